"""Profit and loss per storefront and month, for the operator (docs/portfolio-pnl.md).

Every money figure is a sum of journal lines posted within the period, attributed to the
storefront of the order their payment paid, and to the month of posting (local time) — the same
rules as ``reports.commission_revenue_by_storefront_month``:

- GMV: debits on gateway receivable of capture entries (what customers paid);
- refunds: credits on gateway receivable of refund entries;
- commission revenue and its VAT: credits minus debits on those accounts (net of reversals and
  refunds); payment costs: debits minus credits on payment fees;
- orders: the orders whose capture was posted in the month; average basket = GMV / orders;
- new customers: those whose first order ever on the storefront was placed in the month (in
  the period, for the period's total); returning: the others who ordered in it;
- active sellers: those with a seller order placed in the month; listed offers: now, from the
  search index (not per month: offers have no history of listing);
- operator costs: ``StorefrontCost`` rows of the months the period touches (a month counts
  whole as soon as one of its days is in the period).

Contribution margin = commission revenue − payment costs − operator costs. Lines with no order
(none are posted today) fall under storefront ``None``, so that the sums over storefronts are the
ledger's. A fixed number of queries (ten), whatever the number of storefronts and months.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, DateTimeField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from galerie.core.csvsafe import safe_writer
from galerie.core.money import Money, round_half_up
from galerie.ledger.models import Account, AccountKind, JournalEntry, JournalLine, StorefrontCost
from galerie.ledger.reports import ALL_TIME, Period
from galerie.orders.models import Order, SellerOrder
from galerie.search.models import SearchEntry
from galerie.storefronts.models import Storefront

GR = AccountKind.GATEWAY_RECEIVABLE
PNL_KINDS = (GR, AccountKind.COMMISSION_REVENUE, AccountKind.COMMISSION_VAT, AccountKind.PAYMENT_FEES)
COST_KINDS = tuple(StorefrontCost.Kind.values)


@dataclass
class Figures:
    """One storefront's figures for one month (or the whole period) in one currency."""

    currency: str
    gmv_minor: int = 0
    orders: int = 0
    refunds_minor: int = 0
    commission_minor: int = 0
    commission_vat_minor: int = 0
    fees_minor: int = 0
    costs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COST_KINDS, 0))
    new_customers: int = 0
    returning_customers: int = 0
    active_sellers: int = 0

    @property
    def average_basket_minor(self) -> int | None:
        return round_half_up(Fraction(self.gmv_minor, self.orders)) if self.orders else None

    @property
    def take_rate(self) -> Decimal | None:
        """Commission revenue as a percentage of GMV, two decimals (``12.34``), or None."""
        if not self.gmv_minor:
            return None
        percent = Decimal(self.commission_minor * 100) / Decimal(self.gmv_minor)
        return percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def costs_minor(self) -> int:
        return sum(self.costs.values())

    @property
    def margin_minor(self) -> int:
        """Contribution margin: commission revenue − payment costs − operator costs."""
        return self.commission_minor - self.fees_minor - self.costs_minor

    def add(self, other: Figures) -> None:
        """Add another month's money figures and orders (not the distinct counts)."""
        for name in ("gmv_minor", "orders", "refunds_minor", "commission_minor", "commission_vat_minor"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.fees_minor += other.fees_minor
        for kind, amount in other.costs.items():
            self.costs[kind] += amount


@dataclass
class StorefrontPnl:
    """A storefront's months (every month of the report, zeros included) and its period total."""

    storefront_id: int | None
    name: str
    code: str
    status: str
    currency: str
    months: list[tuple[date, Figures]]
    total: Figures
    offers_listed: int = 0


@dataclass
class Pnl:
    period: Period
    months: list[date]
    storefronts: list[StorefrontPnl]
    totals: dict[str, Figures]  # per currency, over every storefront (money figures and orders)


def _month(value: datetime | date | None) -> date | None:
    """The first day of a truncated month, in local time (the databases answer a datetime)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _months_between(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _placed_within(period: Period, prefix: str = "") -> Q:
    within = Q()
    if period.starts_at is not None:
        within &= Q(**{f"{prefix}placed_at__gte": period.starts_at})
    if period.ends_before is not None:
        within &= Q(**{f"{prefix}placed_at__lt": period.ends_before})
    return within


def _ledger_rows(period: Period, account_ids: list[int]) -> list[dict[str, Any]]:
    """The period's lines on the P&L's accounts, summed per storefront, month, currency, account
    kind and entry kind, with their number (a capture has one line on gateway receivable, so on
    those it is the number of orders); reversals under the kind of entry they reverse.

    Two queries. The accounts come as a list of ids, not as a join on their kind: PostgreSQL
    then sees how many lines each holds (the operator's accounts hold most of the lines, sellers'
    few) and hashes its joins instead of looping over a million lines one index probe at a time.
    The reversals (rare) are summed apart, so that the big query needs no second join on entries.
    """
    lines = JournalLine.objects.filter(period.posted_within(), account_id__in=account_ids).annotate(
        month=TruncMonth("entry__posted_at")
    )
    keys = ("payment__order__storefront_id", "month", "currency", "account__kind")
    sums = {"d": Sum("debit_minor"), "c": Sum("credit_minor"), "n": Count("id")}
    direct = (
        lines.exclude(entry__kind=JournalEntry.Kind.REVERSAL)
        .order_by()
        .values(*keys, kind=F("entry__kind"))
        .annotate(**sums)
    )
    reversals = (
        lines.filter(entry__kind=JournalEntry.Kind.REVERSAL)
        .order_by()
        .values(*keys, kind=F("entry__reverses__kind"))
        .annotate(**sums)
    )
    return [*direct, *({**row, "reversal": True} for row in reversals)]


def _customer_rows(period: Period, *, by_month: bool) -> QuerySet[Order, dict[str, Any]]:
    """Customers who ordered, per storefront (and month), split into new and returning: new when
    their first order ever on the storefront falls in the same month (or in the period)."""
    first = Subquery(
        Order.objects.filter(storefront_id=OuterRef("storefront_id"), customer_id=OuterRef("customer_id"))
        .order_by("placed_at", "id")
        .values("placed_at")[:1],
        output_field=DateTimeField(),
    )
    orders = Order.objects.filter(_placed_within(period)).annotate(first_at=first)
    if by_month:
        orders = orders.annotate(month=TruncMonth("placed_at"), first_month=TruncMonth("first_at"))
        is_new = Q(first_month=F("month"))
        keys: tuple[str, ...] = ("storefront_id", "month", "currency")
    else:
        is_new = Q()
        if period.starts_at is not None:
            is_new &= Q(first_at__gte=period.starts_at)
        keys = ("storefront_id", "currency")
    return (
        orders.order_by()
        .values(*keys)
        .annotate(
            new=Count("customer_id", distinct=True, filter=is_new),
            all=Count("customer_id", distinct=True),
        )
    )


def _seller_rows(period: Period, *, by_month: bool) -> QuerySet[SellerOrder, dict[str, Any]]:
    parts = SellerOrder.objects.filter(_placed_within(period, "order__"))
    keys: tuple[str, ...] = ("order__storefront_id", "order__currency")
    if by_month:
        parts = parts.annotate(month=TruncMonth("order__placed_at"))
        keys = (*keys, "month")
    rows: QuerySet[SellerOrder, dict[str, Any]] = (
        parts.order_by().values(*keys).annotate(n=Count("seller_id", distinct=True))
    )
    return rows


def _cost_rows(period: Period) -> QuerySet[StorefrontCost, dict[str, Any]]:
    costs = StorefrontCost.objects.all()
    if period.first is not None:
        costs = costs.filter(month__gte=period.first.replace(day=1))
    if period.last is not None:
        costs = costs.filter(month__lte=period.last)
    return (
        costs.order_by().values("storefront_id", "month", "currency", "kind").annotate(s=Sum("amount_minor"))
    )


def _apply_line(figures: Figures, row: dict[str, Any]) -> None:
    kind, entry_kind = row["account__kind"], row["kind"]
    debit, credit = row["d"] or 0, row["c"] or 0
    if kind == GR and entry_kind == JournalEntry.Kind.CAPTURE:
        figures.gmv_minor += debit - credit
        figures.orders += -row["n"] if row.get("reversal") else row["n"]
    elif kind == GR and entry_kind == JournalEntry.Kind.REFUND:
        figures.refunds_minor += credit - debit
    elif kind == AccountKind.COMMISSION_REVENUE:
        figures.commission_minor += credit - debit
    elif kind == AccountKind.COMMISSION_VAT:
        figures.commission_vat_minor += credit - debit
    elif kind == AccountKind.PAYMENT_FEES:
        figures.fees_minor += debit - credit


def storefront_pnl(period: Period = ALL_TIME, *, today: date | None = None) -> Pnl:
    """Return each storefront's profit and loss per month of the period, and its period total
    (module docstring: what each figure is). Months run from the period's first day (or the
    first month with a figure) to its last day (or this month), within the months that have a
    figure and this month. Ten queries."""
    storefronts = {
        s["pk"]: s
        for s in Storefront.objects.order_by("name", "pk").values("pk", "name", "code", "status", "currency")
    }
    cells: dict[tuple[int | None, str, date], Figures] = {}
    totals: dict[tuple[int | None, str], Figures] = {}

    def cell(storefront_id: int | None, currency: str, month: date) -> Figures:
        return cells.setdefault((storefront_id, currency, month), Figures(currency=currency))

    def total(storefront_id: int | None, currency: str) -> Figures:
        return totals.setdefault((storefront_id, currency), Figures(currency=currency))

    account_ids = list(Account.objects.filter(kind__in=PNL_KINDS).values_list("pk", flat=True))
    for row in _ledger_rows(period, account_ids):
        month = _month(row["month"])
        assert month is not None
        _apply_line(cell(row["payment__order__storefront_id"], row["currency"], month), row)
    for row in _cost_rows(period):
        cell(row["storefront_id"], row["currency"], row["month"]).costs[row["kind"]] += row["s"]
    for row in _customer_rows(period, by_month=True):
        month = _month(row["month"])
        assert month is not None
        figures = cell(row["storefront_id"], row["currency"], month)
        figures.new_customers, figures.returning_customers = row["new"], row["all"] - row["new"]
    for row in _seller_rows(period, by_month=True):
        month = _month(row["month"])
        assert month is not None
        cell(row["order__storefront_id"], row["order__currency"], month).active_sellers = row["n"]
    for (storefront_id, currency, _month_first), figures in cells.items():
        total(storefront_id, currency).add(figures)
    for row in _customer_rows(period, by_month=False):
        figures = total(row["storefront_id"], row["currency"])
        figures.new_customers, figures.returning_customers = row["new"], row["all"] - row["new"]
    for row in _seller_rows(period, by_month=False):
        total(row["order__storefront_id"], row["order__currency"]).active_sellers = row["n"]
    listed = dict(
        SearchEntry.objects.order_by()
        .values("storefront_id")
        .annotate(n=Sum("offer_count"))
        .values_list("storefront_id", "n")
    )

    seen = sorted({month for (_s, _c, month) in cells})
    today = today or timezone.localdate()
    first = period.first or (seen[0] if seen else today)
    last = period.last or max(today, seen[-1] if seen else today)
    # Months with no figure are shown within the span of the figures and this month only: a
    # period asked from year 1 or to year 9999 must not list a hundred thousand empty months.
    first = max(first, min(seen[0], today) if seen else today).replace(day=1)
    last = min(last, max(seen[-1], today) if seen else today)
    months = _months_between(first, last)
    # Each storefront in every currency it has figures in (its own when it has none), then the
    # lines no storefront can be named for.
    present = sorted({(s, c) for (s, c, _m) in cells}, key=lambda k: (k[0] is None, k[0] or 0, k[1]))
    result: list[StorefrontPnl] = []
    for pk, fields in storefronts.items():
        info: dict[str, Any] = dict(fields)
        for currency in [c for s, c in present if s == pk] or [info["currency"]]:
            result.append(_storefront(pk, info, currency, months, cells, totals, listed.get(pk, 0)))
    for unattributed, currency in present:
        if unattributed is None:
            nameless = {"name": "", "code": "", "status": ""}
            result.append(_storefront(None, nameless, currency, months, cells, totals, 0))
    grand: dict[str, Figures] = {}
    for (_pk, currency), figures in totals.items():
        grand.setdefault(currency, Figures(currency=currency)).add(figures)
    return Pnl(period=period, months=months, storefronts=result, totals=grand)


def _storefront(
    pk: int | None,
    info: dict[str, Any],
    currency: str,
    months: list[date],
    cells: dict[tuple[int | None, str, date], Figures],
    totals: dict[tuple[int | None, str], Figures],
    listed: int,
) -> StorefrontPnl:
    return StorefrontPnl(
        storefront_id=pk,
        name=info["name"],
        code=info["code"],
        status=info["status"],
        currency=currency,
        months=[(m, cells.get((pk, currency, m)) or Figures(currency=currency)) for m in months],
        total=totals.get((pk, currency)) or Figures(currency=currency),
        offers_listed=listed,
    )


CSV_HEADER = [
    "storefront_id", "storefront", "month", "currency", "gmv", "orders", "average_basket", "refunds",
    "commission_revenue", "commission_vat", "take_rate_percent", "payment_costs",
    *(f"cost_{kind}" for kind in COST_KINDS), "operator_costs", "contribution_margin",
    "new_customers", "returning_customers", "active_sellers", "offers_listed_now",
]  # fmt: skip


def _amount(minor: int | None, currency: str) -> Any:
    return "" if minor is None else Money(minor, currency).to_decimal()


def _csv_row(s: StorefrontPnl, month: str, f: Figures) -> list[Any]:
    c = f.currency
    return [
        s.storefront_id or "", s.name, month, c, _amount(f.gmv_minor, c), f.orders,
        _amount(f.average_basket_minor, c), _amount(f.refunds_minor, c), _amount(f.commission_minor, c),
        _amount(f.commission_vat_minor, c), "" if f.take_rate is None else f.take_rate,
        _amount(f.fees_minor, c), *(_amount(f.costs[k], c) for k in COST_KINDS),
        _amount(f.costs_minor, c), _amount(f.margin_minor, c), f.new_customers, f.returning_customers,
        f.active_sellers, s.offers_listed,
    ]  # fmt: skip


def pnl_rows(pnl: Pnl) -> Iterator[tuple[StorefrontPnl, date, Figures]]:
    """Every storefront × month × currency of the report, months with no figure left out."""
    for s in pnl.storefronts:
        for month, figures in s.months:
            if figures != Figures(currency=figures.currency):
                yield s, month, figures


def storefront_pnl_csv(pnl: Pnl) -> str:
    """Return the P&L as CSV: one row per storefront, month (``YYYY-MM``) and currency with a
    figure, then one ``TOTAL`` row per storefront and currency; amounts as decimals."""
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for s, month, figures in pnl_rows(pnl):
        writer.writerow(_csv_row(s, month.strftime("%Y-%m"), figures))
    for s in pnl.storefronts:
        writer.writerow(_csv_row(s, "TOTAL", s.total))
    return buffer.getvalue()


def figures_by_key(pnl: Pnl) -> dict[tuple[int | None, str, date], Figures]:
    """{(storefront id, currency, month): figures} of every month of the report (for tests)."""
    return {(s.storefront_id, s.currency, m): f for s in pnl.storefronts for m, f in s.months}
