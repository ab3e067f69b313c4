"""The back office's money reports: trial balance, commission revenue, reconciliation."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from galerie.ledger import reports
from galerie.ledger.iban_checks import payout_iban_warnings
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view


@operator_view()
def trial_balance(request: OperatorRequest) -> HttpResponse:
    return render(
        request,
        "galerie/operator/trial_balance.html",
        {**reports.trial_balance_by_kind(), "iban_warnings": payout_iban_warnings()},
    )


@operator_view()
def commissions(request: OperatorRequest) -> HttpResponse:
    return render(
        request,
        "galerie/operator/commissions.html",
        {"rows": reports.commission_revenue_by_storefront_month()},
    )


@operator_view()
def reconciliation(request: OperatorRequest) -> HttpResponse:
    return render(request, "galerie/operator/reconciliation.html", reports.reconciliation())
