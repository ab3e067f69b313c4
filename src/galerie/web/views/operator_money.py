"""The back office's money reports (staff only): trial balance, commission revenue, reconciliation.

Anyone not ``is_staff`` is sent to the admin login (``staff_member_required``).
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from galerie.ledger import reports


@staff_member_required
@require_http_methods(["GET", "HEAD"])
def trial_balance(request: HttpRequest) -> HttpResponse:
    return render(request, "galerie/operator/trial_balance.html", reports.trial_balance_by_kind())


@staff_member_required
@require_http_methods(["GET", "HEAD"])
def commissions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "galerie/operator/commissions.html",
        {"rows": reports.commission_revenue_by_storefront_month()},
    )


@staff_member_required
@require_http_methods(["GET", "HEAD"])
def reconciliation(request: HttpRequest) -> HttpResponse:
    return render(request, "galerie/operator/reconciliation.html", reports.reconciliation())
