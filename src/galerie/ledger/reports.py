"""Read-only reports of the ledger for the seller area and the back office (docs/ledger.md, Views).

Each function runs a fixed number of queries whatever the number of rows: sums are grouped in
the database, never computed per seller or per payment in a loop.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.csvsafe import safe_writer
from galerie.core.errors import NotFound
from galerie.core.money import Money
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, Payout, PayoutHold
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
    holds: list[PayoutHold] = field(default_factory=list)  # active: the payout runs skip it


def money_seller_ids(user: User, *, seller_id: int | None = None) -> list[int]:
    """The sellers whose money the user may see (owners and managers only), or only ``seller_id``."""
    ids = seller_ids_for_member(user, roles=MONEY_ROLES)
    return ids if seller_id is None else [i for i in ids if i == seller_id]


def seller_money_for_member(
    user: User, *, seller_id: int | None = None, payouts_limit: int = 50
) -> list[SellerMoney]:
    """Return, for each seller the user owns or manages, pending / available / reserve / debt /
    paid per currency (``reserve``: held back by the latest payout, part of ``available``) and
    the latest payouts (only for ``seller_id`` when given) and the active payout holds. Five
    queries."""
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
    for hold in PayoutHold.objects.filter(seller_id__in=ids, lifted_at__isnull=True).order_by("placed_at"):
        result[hold.seller_id].holds.append(hold)
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


def payouts_for_member(user: User, *, seller_id: int) -> QuerySet[Payout]:
    """Return the payouts of one of the user's sellers (owner/manager; none otherwise), with their run."""
    return Payout.objects.filter(seller_id__in=money_seller_ids(user, seller_id=seller_id)).select_related(
        "run"
    )


def journal_lines_for_member(user: User, *, seller_id: int) -> QuerySet[JournalLine]:
    """Return the ledger lines of one of the user's sellers' accounts (owner/manager; none
    otherwise), with their entry, account and seller order."""
    return JournalLine.objects.filter(
        account__seller_id__in=money_seller_ids(user, seller_id=seller_id)
    ).select_related("entry", "account", "seller_order")


# --- Back office -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days from ``first`` to ``last``, both included, in the operator's time zone; either end
    may be open (``None``): from the first posting, up to now."""

    first: date | None = None
    last: date | None = None

    @property
    def starts_at(self) -> datetime | None:
        """The first instant of the period (midnight of ``first``, local time), or None (also
        from the first days a date can hold, whose midnight in UTC is out of range)."""
        if self.first is None or self.first <= date.min + timedelta(days=1):
            return None
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def ends_before(self) -> datetime | None:
        """The first instant after the period (midnight after ``last``, local time), or None
        (also for the last day a date can hold: nothing is posted after it)."""
        if self.last is None or self.last >= date.max - timedelta(days=1):
            return None
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def posted_within(self) -> Q:
        """The journal lines posted within the period."""
        within = Q()
        if self.starts_at is not None:
            within &= Q(entry__posted_at__gte=self.starts_at)
        if self.ends_before is not None:
            within &= Q(entry__posted_at__lt=self.ends_before)
        return within


ALL_TIME = Period()


def trial_balance_by_kind(period: Period = ALL_TIME) -> dict[str, Any]:
    """Return every account kind × currency with its opening balance (everything posted before
    the period), the period's debits and credits, and its closing balance (opening + debits −
    credits); and per currency the totals — each currency's opening and closing totals are zero
    when the books are right. A kind with no line up to the period's end is left out. One query."""
    lines = JournalLine.objects.all()
    if period.ends_before is not None:
        lines = lines.filter(entry__posted_at__lt=period.ends_before)
    sums: dict[str, Any] = {"d": Sum("debit_minor"), "c": Sum("credit_minor"), "o": Value(0)}
    if period.starts_at is not None:
        within = Q(entry__posted_at__gte=period.starts_at)
        sums = {
            "d": Coalesce(Sum(Case(When(within, then=F("debit_minor")))), 0),
            "c": Coalesce(Sum(Case(When(within, then=F("credit_minor")))), 0),
            "o": Coalesce(Sum(Case(When(~within, then=F("debit_minor") - F("credit_minor")))), 0),
        }
    rows = lines.order_by().values("account__kind", "currency").annotate(**sums)
    rows = rows.order_by("currency", "account__kind")
    labels = dict(AccountKind.choices)
    out: list[dict[str, Any]] = []
    totals: dict[str, dict[str, int]] = {}
    for r in rows:
        row = {
            "opening_minor": r["o"],
            "debit_minor": r["d"],
            "credit_minor": r["c"],
            "balance_minor": r["o"] + r["d"] - r["c"],
        }
        out.append(
            {
                "kind": r["account__kind"],
                "label": labels.get(r["account__kind"], r["account__kind"]),
                "currency": r["currency"],
                **row,
            }
        )
        total = totals.setdefault(r["currency"], dict.fromkeys(row, 0))
        for name, value in row.items():
            total[name] += value
    return {"rows": out, "totals": totals}


def commission_revenue_by_storefront_month(period: Period = ALL_TIME) -> list[dict[str, Any]]:
    """Return the operator's commission revenue (VAT excluded, net of refunds and reversals) per
    storefront, month of posting and currency, from the ledger's lines on commission_revenue
    posted within the period, joined to their seller order's storefront. Lines without a seller
    order (none are posted today) appear with storefront ``None``. One query."""
    rows = (
        JournalLine.objects.filter(period.posted_within(), account__kind=AccountKind.COMMISSION_REVENUE)
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


def _amount(minor: int, currency: str) -> Any:
    """An amount as a decimal in its currency's unit (``12.50``), as the CSV files write it."""
    return Money(minor, currency).to_decimal()


def trial_balance_csv(report: dict[str, Any]) -> str:
    """Return a trial balance (``trial_balance_by_kind``) as CSV: one row per account kind and
    currency, then one ``TOTAL`` row per currency; amounts as decimals."""
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(["account", "currency", "opening_balance", "debit", "credit", "closing_balance"])
    amounts = ("opening_minor", "debit_minor", "credit_minor", "balance_minor")
    for row in report["rows"]:
        writer.writerow([row["kind"], row["currency"], *(_amount(row[k], row["currency"]) for k in amounts)])
    for currency, total in report["totals"].items():
        writer.writerow(["TOTAL", currency, *(_amount(total[k], currency) for k in amounts)])
    return buffer.getvalue()


def commission_revenue_csv(rows: list[dict[str, Any]]) -> str:
    """Return commission revenue rows (``commission_revenue_by_storefront_month``) as CSV, one
    per storefront, month (``YYYY-MM``) and currency; the revenue as a decimal."""
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(["storefront_id", "storefront", "month", "currency", "revenue"])
    for row in rows:
        writer.writerow([
            row["storefront_id"] or "", row["storefront"] or "", row["month"].strftime("%Y-%m"),
            row["currency"], _amount(row["revenue_minor"], row["currency"]),
        ])  # fmt: skip
    return buffer.getvalue()


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
