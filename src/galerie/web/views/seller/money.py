"""The seller area's money pages: balances, payouts and their statements (owners and managers).

Every read goes through ``ledger.reports``, scoped to the current seller: a shipping clerk gets
a 403, another seller's payout is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from galerie.ledger.reports import payout_get_for_member, seller_money_for_member
from galerie.ledger.statements import statement_rows, statement_write
from galerie.sellers.access import Perm
from galerie.web.views.seller.access import seller_view


@seller_view(Perm.VIEW_MONEY)
def money(request: HttpRequest) -> HttpResponse:
    sellers = seller_money_for_member(request.user, seller_id=request.seller_access.seller.pk)
    return render(request, "galerie/seller/money.html", {"sellers": sellers})


@seller_view(Perm.VIEW_MONEY)
def statement_csv(request: HttpRequest, payout_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    payout = payout_get_for_member(request.user, payout_id=payout_id, seller_id=seller_id)
    response = HttpResponse(statement_write(payout=payout), content_type="text/csv; charset=utf-8")
    name = f"statement-{payout.run.run_date.isoformat()}-P{payout.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@seller_view(Perm.VIEW_MONEY)
def statement_page(request: HttpRequest, payout_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    payout = payout_get_for_member(request.user, payout_id=payout_id, seller_id=seller_id)
    return render(
        request, "galerie/seller/statement.html", {"payout": payout, "rows": statement_rows(payout=payout)}
    )
