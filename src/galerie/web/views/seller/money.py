"""The seller area's money pages: balances, payouts and their statements (owners and managers).

Every read goes through ``ledger.reports``, scoped to the current seller: a shipping clerk gets
a 403, another seller's payout is a 404.
"""

from __future__ import annotations

import re
from datetime import date

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from galerie.core.money import Money
from galerie.invoices.selectors import commission_invoices_for_seller
from galerie.ledger.reports import payout_get_for_member, seller_money_for_member
from galerie.ledger.statements import statement_rows, statement_write
from galerie.sellers.access import Perm
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view


@seller_view(Perm.VIEW_MONEY)
def money(request: SellerRequest) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    sellers = seller_money_for_member(request.user, seller_id=seller_id)
    invoices = commission_invoices_for_seller(seller_id=seller_id)
    return render(request, "galerie/seller/money.html", {"sellers": sellers, "commission_invoices": invoices})


@seller_view(Perm.VIEW_MONEY)
def statement_csv(request: SellerRequest, payout_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    payout = payout_get_for_member(request.user, payout_id=payout_id, seller_id=seller_id)
    response = HttpResponse(statement_write(payout=payout), content_type="text/csv; charset=utf-8")
    name = f"statement-{payout.run.run_date.isoformat()}-P{payout.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# The statement's row types (ledger/statements.py), as the page names them; the CSV keeps the codes.
ROW_TYPES = {
    "carried_forward": _("Carried forward"),
    "order": _("Order"),
    "refund": _("Refund"),
    "adjustment": _("Adjustment"),
    "reserve_held": _("Reserve held back"),
    "debt_carried": _("Debt carried forward"),
    "payout": _("Payout"),
}
_DEBT_NOTE = re.compile(r"^(-?\d+\.\d{2}) of it became a seller debt$")
_NETTED_NOTE = re.compile(r"^debt netted (-?\d+\.\d{2})$")


def _minor(decimal: str) -> int:
    sign = -1 if decimal.startswith("-") else 1
    units, cents = decimal.lstrip("-").split(".")
    return sign * (int(units) * 100 + int(cents))


def _note(note: str, currency: str, language: str) -> str:
    """The statement's English notes (the CSV's) in the page's words, amounts as money."""
    if match := _DEBT_NOTE.match(note):
        amount = Money(_minor(match[1]), currency).format(language)
        return str(_("%(amount)s of it became a debt to the operator") % {"amount": amount})
    if match := _NETTED_NOTE.match(note):
        amount = Money(_minor(match[1]), currency).format(language)
        return str(_("debt netted: %(amount)s") % {"amount": amount})
    return note


def _statement_display(rows: list[dict], currency: str, language: str) -> list[dict]:
    return [
        {
            **row,
            "label": ROW_TYPES.get(row["type"], row["type"]),
            "day": date.fromisoformat(row["date"]) if row["date"] else None,
            # The payout row's note is the IBAN, which the page already shows above the table.
            "note": "" if row["type"] == "payout" else _note(row["note"], currency, language),
        }
        for row in rows
    ]


@seller_view(Perm.VIEW_MONEY)
def statement_page(request: SellerRequest, payout_id: int) -> HttpResponse:
    seller_id = request.seller_access.seller.pk
    payout = payout_get_for_member(request.user, payout_id=payout_id, seller_id=seller_id)
    rows = _statement_display(statement_rows(payout=payout), payout.currency, get_language() or "en")
    return render(request, "galerie/seller/statement.html", {"payout": payout, "rows": rows})
