"""Reads of the ledger. Every balance is a sum of lines: debits minus credits."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _

from galerie.core.money import Money
from galerie.ledger.models import Account, AccountKind, JournalLine
from galerie.sellers.closing import CloseBlocker


def _sums(lines: QuerySet[JournalLine]) -> tuple[int, int]:
    totals = lines.aggregate(d=Coalesce(Sum("debit_minor"), 0), c=Coalesce(Sum("credit_minor"), 0))
    return totals["d"], totals["c"]


def account_balance(*, account: Account) -> int:
    """Return the account's balance in minor units: debits minus credits."""
    debits, credits = _sums(JournalLine.objects.filter(account=account))
    return debits - credits


def trial_balance(*, currency: str | None = None) -> list[dict[str, Any]]:
    """Return every account with its debits, credits and balance (debits - credits)."""
    lines = JournalLine.objects.all()
    if currency:
        lines = lines.filter(currency=currency)
    rows = (
        lines.values("account_id", "account__kind", "account__seller_id", "currency")
        .annotate(debit_minor=Sum("debit_minor"), credit_minor=Sum("credit_minor"))
        .order_by("account__kind", "currency", "account__seller_id")
    )
    return [
        {
            "account_id": r["account_id"],
            "kind": r["account__kind"],
            "seller_id": r["account__seller_id"],
            "currency": r["currency"],
            "debit_minor": r["debit_minor"],
            "credit_minor": r["credit_minor"],
            "balance_minor": r["debit_minor"] - r["credit_minor"],
        }
        for r in rows
    ]


def balances_by_kind(*, currency: str) -> dict[str, int]:
    """Return the balance (debits - credits) of each kind of account, all sellers together."""
    totals: dict[str, int] = defaultdict(int)
    for row in trial_balance(currency=currency):
        totals[row["kind"]] += row["balance_minor"]
    return dict(totals)


def unbalanced_entry_ids() -> list[int]:
    """Return the entries whose debits differ from their credits in some currency (none, ever)."""
    return list(
        JournalLine.objects.order_by()
        .values("entry_id", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        .filter(~Q(d=F("c")))
        .values_list("entry_id", flat=True)
        .distinct()
        .order_by("entry_id")
    )


def owed_by_kind(*, payment_id: int, seller_order_id: int | None) -> dict[str, int]:
    """Return credits minus debits per account kind on the lines about this payment and seller
    order (``None``: lines about the payment but no seller order)."""
    lines = JournalLine.objects.filter(payment_id=payment_id)
    lines = (
        lines.filter(seller_order__isnull=True)
        if seller_order_id is None
        else lines.filter(seller_order_id=seller_order_id)
    )
    rows = lines.order_by().values("account__kind").annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    return {r["account__kind"]: r["c"] - r["d"] for r in rows}


def seller_position(*, seller_id: int, currency: str) -> dict[str, int]:
    """Return what the operator owes the seller (credit balances, ≥ 0) and what the seller owes:
    ``pending`` (payable, not yet available), ``available``, ``debt`` and ``paid`` (all payouts)."""
    rows = (
        JournalLine.objects.filter(account__seller_id=seller_id, currency=currency)
        .order_by()
        .values("account__kind")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    )
    by_kind = {r["account__kind"]: r["c"] - r["d"] for r in rows}
    paid = JournalLine.objects.filter(
        entry__payout__seller_id=seller_id,
        currency=currency,
        account__kind=AccountKind.PAYOUTS_IN_TRANSIT,
    ).aggregate(s=Coalesce(Sum("credit_minor"), 0))["s"]
    return {
        "pending": by_kind.get(AccountKind.SELLER_PAYABLE, 0),
        "available": by_kind.get(AccountKind.SELLER_AVAILABLE, 0),
        "debt": -by_kind.get(AccountKind.SELLER_DEBT, 0),
        "paid": paid,
    }


def seller_ledger_balances(*, seller_id: int) -> dict[str, dict[str, int]]:
    """Return {currency: {"pending", "available", "debt"}} of the seller's ledger accounts, in minor
    units (debt: what the seller owes); only currencies with a non-zero amount. One query."""
    names = {
        AccountKind.SELLER_PAYABLE: ("pending", 1),
        AccountKind.SELLER_AVAILABLE: ("available", 1),
        AccountKind.SELLER_DEBT: ("debt", -1),
    }
    result: dict[str, dict[str, int]] = defaultdict(lambda: {"pending": 0, "available": 0, "debt": 0})
    rows = (
        JournalLine.objects.filter(account__seller_id=seller_id)
        .order_by()
        .values("account__kind", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    )
    for row in rows:
        name, sign = names[row["account__kind"]]
        result[row["currency"]][name] += sign * (row["c"] - row["d"])
    return {currency: amounts for currency, amounts in result.items() if any(amounts.values())}


def seller_close_blocker(seller_id: int) -> CloseBlocker | None:
    """Return the money still on the seller's accounts as what blocks its closure, or None
    (a close guard): what is to be paid out to it, and what it owes, per currency."""
    balances = seller_ledger_balances(seller_id=seller_id)
    locale = translation.to_locale(translation.get_language() or "en")
    parts = []
    for currency, amounts in sorted(balances.items()):
        owed_to_seller = amounts["pending"] + amounts["available"]
        if owed_to_seller:
            parts.append(
                _("%(amount)s still to pay out") % {"amount": Money(owed_to_seller, currency).format(locale)}
            )
        if amounts["debt"]:
            parts.append(
                _("%(amount)s owed by the seller")
                % {"amount": Money(amounts["debt"], currency).format(locale)}
            )
    if not parts:
        return None
    return CloseBlocker(parts=tuple(parts), details={"balances": balances})
