"""Read-only reports of the ledger for the seller area and the back office (docs/ledger.md, Views).

Each function runs a fixed number of queries whatever the number of rows: sums are grouped in
the database, never computed per seller or per payment in a loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, TruncMonth
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import NotFound
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, Payout
from galerie.orders.selectors import seller_ids_for_member
from galerie.payments.models import Payment, PaymentDiscrepancy, Refund, RefundStatus
from galerie.sellers.models import Seller, SellerMember

MONEY_ROLES = (SellerMember.Role.OWNER, SellerMember.Role.MANAGER)
GR = AccountKind.GATEWAY_RECEIVABLE


class PayoutNotFound(NotFound):
    pass


# --- Seller area -------------------------------------------------------------------------------


@dataclass
class SellerMoney:
    """One seller's balances per currency and its payouts, newest first."""

    seller: Seller
    positions: dict[str, dict[str, int]] = field(default_factory=dict)
    payouts: list[Payout] = field(default_factory=list)


def money_seller_ids(user: User, *, seller_id: int | None = None) -> list[int]:
    """The sellers whose money the user may see (owners and managers only), or only ``seller_id``."""
    ids = seller_ids_for_member(user, roles=MONEY_ROLES)
    return ids if seller_id is None else [i for i in ids if i == seller_id]


def seller_money_for_member(
    user: User, *, seller_id: int | None = None, payouts_limit: int = 50
) -> list[SellerMoney]:
    """Return, for each seller the user owns or manages, pending / available / reserve / debt /
    paid per currency (``reserve``: held back by the latest payout, part of ``available``) and
    the latest payouts (only for ``seller_id`` when given). Four queries."""
    ids = money_seller_ids(user, seller_id=seller_id)
    if not ids:
        return []
    result = {s.pk: SellerMoney(seller=s) for s in Seller.objects.filter(pk__in=ids).order_by("pk")}

    def position(seller_id: int, currency: str) -> dict[str, int]:
        zero = {"pending": 0, "available": 0, "reserve": 0, "debt": 0, "paid": 0}
        return result[seller_id].positions.setdefault(currency, zero)

    balances = (
        JournalLine.objects.filter(account__seller_id__in=ids)
        .order_by()
        .values("account__seller_id", "account__kind", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    )
    names = {
        AccountKind.SELLER_PAYABLE: ("pending", 1),
        AccountKind.SELLER_AVAILABLE: ("available", 1),
        AccountKind.SELLER_DEBT: ("debt", -1),
    }
    for row in balances:
        name, sign = names[row["account__kind"]]
        position(row["account__seller_id"], row["currency"])[name] += sign * (row["c"] - row["d"])
    paid = (
        JournalLine.objects.filter(
            entry__payout__seller_id__in=ids, account__kind=AccountKind.PAYOUTS_IN_TRANSIT
        )
        .order_by()
        .values("entry__payout__seller_id", "currency")
        .annotate(s=Sum("credit_minor"))
    )
    for row in paid:
        position(row["entry__payout__seller_id"], row["currency"])["paid"] = row["s"] or 0
    payouts = (
        Payout.objects.filter(seller_id__in=ids).select_related("run").order_by("seller_id", "-entry_id")
    )
    for payout in payouts:
        money = result[payout.seller_id]
        if len(money.payouts) < payouts_limit:
            money.payouts.append(payout)
        current = position(payout.seller_id, payout.currency)
        current.setdefault("_latest", payout.pk)
        if current["_latest"] == payout.pk:
            current["reserve"] = payout.reserve_minor
    for money in result.values():
        for current in money.positions.values():
            current.pop("_latest", None)
    return list(result.values())


def payout_get_for_member(user: User, *, payout_id: int, seller_id: int | None = None) -> Payout:
    """Return a payout of one of the user's sellers (owner/manager); raise PayoutNotFound."""
    payout = (
        Payout.objects.filter(pk=payout_id, seller_id__in=money_seller_ids(user, seller_id=seller_id))
        .select_related("run", "seller", "entry")
        .first()
    )
    if payout is None:
        raise PayoutNotFound(_("There is no such payout for your shop."))
    return payout


# --- Back office -------------------------------------------------------------------------------


def trial_balance_by_kind() -> dict[str, Any]:
    """Return every account kind × currency with debits, credits and balance, and per currency
    the totals (the balance total is zero when the books are right). One query."""
    rows = (
        JournalLine.objects.order_by()
        .values("account__kind", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        .order_by("currency", "account__kind")
    )
    labels = dict(AccountKind.choices)
    out: list[dict[str, Any]] = []
    totals: dict[str, dict[str, int]] = {}
    for r in rows:
        out.append(
            {
                "kind": r["account__kind"],
                "label": labels.get(r["account__kind"], r["account__kind"]),
                "currency": r["currency"],
                "debit_minor": r["d"],
                "credit_minor": r["c"],
                "balance_minor": r["d"] - r["c"],
            }
        )
        total = totals.setdefault(r["currency"], {"debit_minor": 0, "credit_minor": 0, "balance_minor": 0})
        total["debit_minor"] += r["d"]
        total["credit_minor"] += r["c"]
        total["balance_minor"] += r["d"] - r["c"]
    return {"rows": out, "totals": totals}


def commission_revenue_by_storefront_month() -> list[dict[str, Any]]:
    """Return the operator's commission revenue (VAT excluded, net of refunds and reversals) per
    storefront, month of posting and currency, from the ledger's lines on commission_revenue
    joined to their seller order's storefront. Lines without a seller order (none are posted
    today) appear with storefront ``None``. One query."""
    rows = (
        JournalLine.objects.filter(account__kind=AccountKind.COMMISSION_REVENUE)
        .annotate(month=TruncMonth("entry__posted_at"))
        .order_by()
        .values(
            "seller_order__order__storefront_id",
            "seller_order__order__storefront__name",
            "month",
            "currency",
        )
        .annotate(c=Coalesce(Sum("credit_minor"), 0), d=Coalesce(Sum("debit_minor"), 0))
        .order_by("seller_order__order__storefront__name", "month", "currency")
    )
    return [
        {
            "storefront_id": r["seller_order__order__storefront_id"],
            "storefront": r["seller_order__order__storefront__name"],
            "month": r["month"],
            "currency": r["currency"],
            "revenue_minor": r["c"] - r["d"],
        }
        for r in rows
    ]


@dataclass
class Difference:
    payment_id: int
    payment_uuid: str
    currency: str
    what: str
    gateway_minor: int
    ledger_minor: int
    refund_id: int | None = None


def reconciliation() -> dict[str, Any]:
    """Match the gateway's captures and refunds with the ledger's, per payment, and list every
    difference. Gateway side: ``Payment.captured_minor`` and the sum of succeeded ``Refund`` rows
    (also checked against ``Payment.refunded_minor``). Ledger side: debits on gateway_receivable
    of capture entries, credits on gateway_receivable of refund entries (reversals of those
    entries count against them). Also lists each succeeded refund with no ``refund:<id>`` entry.
    Also lists the captures the gateway reported with another amount or currency than their
    payment's (``PaymentDiscrepancy``: not applied, to settle with the provider). Five queries."""
    gateway = {
        p["pk"]: p
        for p in Payment.objects.filter(captured_minor__gt=0)
        .order_by()
        .values("pk", "uuid", "currency", "captured_minor", "refunded_minor")
    }
    refunds = dict(
        Refund.objects.filter(status=RefundStatus.SUCCEEDED)
        .order_by()
        .values("payment_id")
        .annotate(s=Sum("amount_minor"))
        .values_list("payment_id", "s")
    )
    ledger: dict[int, dict[str, int]] = defaultdict(lambda: {"captured": 0, "refunded": 0})
    lines = (
        JournalLine.objects.filter(account__kind=GR, payment_id__isnull=False)
        .order_by()
        .values("payment_id", "entry__kind", "entry__reverses__kind")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    )
    for r in lines:
        kind = r["entry__kind"]
        if kind == JournalEntry.Kind.REVERSAL:
            kind = r["entry__reverses__kind"]
        if kind == JournalEntry.Kind.CAPTURE:
            ledger[r["payment_id"]]["captured"] += r["d"] - r["c"]
        elif kind == JournalEntry.Kind.REFUND:
            ledger[r["payment_id"]]["refunded"] += r["c"] - r["d"]
    missing_ids = set(ledger) - set(gateway) | set(refunds) - set(gateway)
    if missing_ids:
        gateway.update(
            {
                p["pk"]: p
                for p in Payment.objects.filter(pk__in=missing_ids).values(
                    "pk", "uuid", "currency", "captured_minor", "refunded_minor"
                )
            }
        )
    differences: list[Difference] = []
    for pk in sorted(gateway):
        p = gateway[pk]
        booked = ledger.get(pk, {"captured": 0, "refunded": 0})
        refunded = refunds.get(pk, 0)

        def add(what: str, said: int, booked_minor: int, p: Mapping[str, Any] = p) -> None:
            differences.append(Difference(p["pk"], str(p["uuid"]), p["currency"], what, said, booked_minor))

        if p["captured_minor"] != booked["captured"]:
            add("capture", p["captured_minor"], booked["captured"])
        if refunded != booked["refunded"]:
            add("refunds", refunded, booked["refunded"])
        if p["refunded_minor"] != refunded:
            add("refunded_minor", p["refunded_minor"], refunded)
    key = Concat(Value("refund:"), Cast(OuterRef("pk"), CharField()), output_field=CharField())
    unposted = (
        Refund.objects.filter(status=RefundStatus.SUCCEEDED)
        .annotate(posted=Exists(JournalEntry.objects.filter(idempotency_key=key)))
        .filter(posted=False)
        .select_related("payment")
        .order_by("pk")
    )
    for refund in unposted:
        differences.append(
            Difference(
                refund.payment_id,
                str(refund.payment.uuid),
                refund.currency,
                "refund_entry_missing",
                refund.amount_minor,
                0,
                refund_id=refund.pk,
            )
        )
    discrepancies = list(
        PaymentDiscrepancy.objects.select_related("payment", "event").order_by("-detected_at", "-pk")[:500]
    )
    return {"payments_checked": len(gateway), "differences": differences, "discrepancies": discrepancies}
