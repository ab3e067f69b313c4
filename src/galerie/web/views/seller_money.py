"""The seller area's money pages: balances, payouts and their statements (owners and managers).

Every read goes through ``ledger.reports``, scoped to the member's sellers: a shipping clerk, or
another seller's payout, is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from galerie.ledger.reports import PayoutNotFound, payout_get_for_member, seller_money_for_member
from galerie.ledger.statements import statement_rows, statement_write
from galerie.web.views.seller_area import LOGIN_URL


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "galerie/seller/not_found.html", {"message": message}, status=404)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "HEAD"])
def money(request: HttpRequest) -> HttpResponse:
    sellers = seller_money_for_member(request.user)
    if not sellers:
        return _not_found(request, _("Only the owners and managers of a shop see its money."))
    return render(request, "galerie/seller/money.html", {"sellers": sellers})


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "HEAD"])
def statement_csv(request: HttpRequest, payout_id: int) -> HttpResponse:
    try:
        payout = payout_get_for_member(request.user, payout_id=payout_id)
    except PayoutNotFound as error:
        return _not_found(request, error.message)
    response = HttpResponse(statement_write(payout=payout), content_type="text/csv; charset=utf-8")
    name = f"statement-{payout.run.run_date.isoformat()}-P{payout.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "HEAD"])
def statement_page(request: HttpRequest, payout_id: int) -> HttpResponse:
    try:
        payout = payout_get_for_member(request.user, payout_id=payout_id)
    except PayoutNotFound as error:
        return _not_found(request, error.message)
    return render(
        request, "galerie/seller/statement.html", {"payout": payout, "rows": statement_rows(payout=payout)}
    )
