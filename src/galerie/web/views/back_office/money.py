"""The back office's money reports: trial balance, commission revenue, reconciliation.

The trial balance and the commission revenue take a period (``?start=YYYY-MM-DD&end=YYYY-MM-DD``,
both days included, either optional) and come as a page or, with the same parameters, as CSV.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from galerie.ledger import reports
from galerie.ledger.iban_checks import payout_iban_warnings
from galerie.web.forms_staff import PeriodForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view


def _period(request: OperatorRequest) -> tuple[PeriodForm, reports.Period | None]:
    """The period the request asks for, or None with the form's errors when it is malformed."""
    form = PeriodForm(request.GET or None)
    if not form.is_bound:
        return form, reports.ALL_TIME
    if not form.is_valid():
        return form, None
    return form, reports.Period(form.cleaned_data["start"], form.cleaned_data["end"])


def _csv(content: str, name: str, period: reports.Period) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    first = period.first.isoformat() if period.first else "start"
    last = period.last.isoformat() if period.last else "now"
    response["Content-Disposition"] = f'attachment; filename="{name}-{first}-{last}.csv"'
    return response


def _bad_period(request: OperatorRequest, template: str, form: PeriodForm) -> HttpResponse:
    return render(request, template, {"form": form, "rows": [], "bad_period": True}, status=400)


@operator_view()
def trial_balance(request: OperatorRequest) -> HttpResponse:
    template = "galerie/operator/trial_balance.html"
    form, period = _period(request)
    if period is None:
        return _bad_period(request, template, form)
    context = {**reports.trial_balance_by_kind(period), "form": form, "period": period}
    return render(request, template, {**context, "iban_warnings": payout_iban_warnings()})


@operator_view()
def trial_balance_csv(request: OperatorRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return _bad_period(request, "galerie/operator/trial_balance.html", form)
    return _csv(reports.trial_balance_csv(reports.trial_balance_by_kind(period)), "trial-balance", period)


@operator_view()
def commissions(request: OperatorRequest) -> HttpResponse:
    template = "galerie/operator/commissions.html"
    form, period = _period(request)
    if period is None:
        return _bad_period(request, template, form)
    rows = reports.commission_revenue_by_storefront_month(period)
    return render(request, template, {"rows": rows, "form": form, "period": period})


@operator_view()
def commissions_csv(request: OperatorRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return _bad_period(request, "galerie/operator/commissions.html", form)
    rows = reports.commission_revenue_by_storefront_month(period)
    return _csv(reports.commission_revenue_csv(rows), "commission-revenue", period)


@operator_view()
def reconciliation(request: OperatorRequest) -> HttpResponse:
    return render(request, "galerie/operator/reconciliation.html", reports.reconciliation())
