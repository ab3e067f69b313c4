"""The back office's money reports: trial balance, commission revenue, reconciliation.

The trial balance and the commission revenue take a period (``?start=YYYY-MM-DD&end=YYYY-MM-DD``,
both days included, either optional) and come as a page or, with the same parameters, as CSV.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render

from galerie.ledger import reports
from galerie.ledger.iban_checks import payout_iban_warnings
from galerie.web.forms_staff import PeriodForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

TRIAL_BALANCE = "galerie/operator/trial_balance.html"
COMMISSIONS = "galerie/operator/commissions.html"


def _over_period(
    request: OperatorRequest, template: str, respond: Callable[[PeriodForm, reports.Period], HttpResponse]
) -> HttpResponse:
    """Answer with ``respond`` for the period the request asks for (all time when it names
    none), or with the report's page and the form's errors (400) when the period is malformed."""
    form = PeriodForm(request.GET or None)
    if not form.is_bound:
        return respond(form, reports.ALL_TIME)
    if not form.is_valid():
        return render(request, template, {"form": form, "rows": [], "bad_period": True}, status=400)
    return respond(form, reports.Period(form.cleaned_data["start"], form.cleaned_data["end"]))


def _csv(content: str, name: str, period: reports.Period) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    first = period.first.isoformat() if period.first else "start"
    last = period.last.isoformat() if period.last else "now"
    response["Content-Disposition"] = f'attachment; filename="{name}-{first}-{last}.csv"'
    return response


@operator_view()
def trial_balance(request: OperatorRequest) -> HttpResponse:
    def page(form: PeriodForm, period: reports.Period) -> HttpResponse:
        context = {**reports.trial_balance_by_kind(period), "form": form, "period": period}
        return render(request, TRIAL_BALANCE, {**context, "iban_warnings": payout_iban_warnings()})

    return _over_period(request, TRIAL_BALANCE, page)


@operator_view()
def trial_balance_csv(request: OperatorRequest) -> HttpResponse:
    def sheet(form: PeriodForm, period: reports.Period) -> HttpResponse:
        return _csv(reports.trial_balance_csv(reports.trial_balance_by_kind(period)), "trial-balance", period)

    return _over_period(request, TRIAL_BALANCE, sheet)


@operator_view()
def commissions(request: OperatorRequest) -> HttpResponse:
    def page(form: PeriodForm, period: reports.Period) -> HttpResponse:
        rows = reports.commission_revenue_by_storefront_month(period)
        return render(request, COMMISSIONS, {"rows": rows, "form": form, "period": period})

    return _over_period(request, COMMISSIONS, page)


@operator_view()
def commissions_csv(request: OperatorRequest) -> HttpResponse:
    def sheet(form: PeriodForm, period: reports.Period) -> HttpResponse:
        rows = reports.commission_revenue_by_storefront_month(period)
        return _csv(reports.commission_revenue_csv(rows), "commission-revenue", period)

    return _over_period(request, COMMISSIONS, sheet)


@operator_view()
def reconciliation(request: OperatorRequest) -> HttpResponse:
    return render(request, "galerie/operator/reconciliation.html", reports.reconciliation())
