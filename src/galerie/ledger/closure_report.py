"""The reads of a storefront's closure in the back office: what announcing it will do (the
confirmation), and the closure report — every seller order, refund and payout of the storefront
since the decision, and the proof that nothing is left open (docs/storefront-closure.md).

Here rather than in ``storefronts`` because it reads orders, refunds and payouts: the ledger is
the lowest layer that sees them all (docs/architecture.md). Every list is a page read by keyset
(``id`` descending, ``after`` the last id shown), every count a bounded aggregate over the
storefront's rows through an index; the CSV streams the same rows with ``iterator()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from galerie.ledger.models import Payout
from galerie.orders.models import SellerOrder
from galerie.payments.models import Refund
from galerie.search.models import SearchCount, SearchValue
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.closure import ClosureBlockers, closure_blockers
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import VISIBLE

PAGE = 50
ELSEWHERE_SHOWN = 100
# Seller orders that still have something to happen: accepted or not, shipped and not delivered.
GOING_ON = (SellerOrder.Status.NEW, SellerOrder.Status.ACCEPTED, SellerOrder.Status.SHIPPED)


@dataclass
class SellerElsewhere:
    """An admitted seller of the closing storefront who keeps selling on other storefronts."""

    name: str
    storefronts: list[str]


@dataclass
class ClosurePreview:
    """What announcing the closure of a storefront will do, in figures, for the confirmation."""

    storefront: Storefront
    closing_on: date
    open_seller_orders: int  # they go on: shipped, or refunded if refused or late
    sellers_told: int  # e-mailed: its admitted sellers and any seller with an open order there
    customers_told: int  # e-mailed: the customers with an open order there
    products_listed: int
    offers_listed: int  # per product, condition and seller, as the search read model counts
    sellers_elsewhere: list[SellerElsewhere] = field(default_factory=list)
    sellers_elsewhere_count: int = 0

    @property
    def last_selling_day(self) -> date:
        return self.closing_on - timedelta(days=1)


def _open_seller_orders(storefront: Storefront) -> QuerySet[SellerOrder]:
    return SellerOrder.objects.filter(order__storefront=storefront, status__in=GOING_ON)


def closure_preview(*, storefront: Storefront, closing_on: date) -> ClosurePreview:
    """Count what the closure of ``storefront`` on ``closing_on`` touches; six queries, each an
    aggregate over the storefront's open seller orders, admissions or search counts."""
    open_orders = _open_seller_orders(storefront).aggregate(
        n=Count("id"), customers=Count("order__customer_id", distinct=True)
    )
    admitted = SellerAdmission.objects.filter(
        storefront=storefront, status=SellerAdmission.Status.ADMITTED
    ).values_list("seller_id", flat=True)
    # order_by(): the models' default ordering would join the DISTINCT and make it one row per order.
    with_orders = _open_seller_orders(storefront).order_by().values_list("seller_id", flat=True).distinct()
    sellers = set(admitted) | set(with_orders)
    listed = _listed(storefront)
    elsewhere = (
        SellerAdmission.objects.filter(
            status=SellerAdmission.Status.ADMITTED,
            storefront__status__in=VISIBLE,
            seller__admissions__storefront=storefront,
            seller__admissions__status=SellerAdmission.Status.ADMITTED,
        )
        .exclude(storefront=storefront)
        .order_by("seller__display_name", "seller_id", "storefront__name")
        .values_list("seller_id", "seller__display_name", "storefront__name")
    )
    found: dict[int, SellerElsewhere] = {}
    for seller_id, name, other in elsewhere[: ELSEWHERE_SHOWN * 4]:
        if seller_id not in found and len(found) == ELSEWHERE_SHOWN:
            break
        found.setdefault(seller_id, SellerElsewhere(name, [])).storefronts.append(other)
    count = elsewhere.aggregate(n=Count("seller_id", distinct=True))["n"]
    return ClosurePreview(
        storefront=storefront,
        closing_on=closing_on,
        open_seller_orders=open_orders["n"],
        sellers_told=len(sellers),
        customers_told=open_orders["customers"],
        products_listed=listed.get("all", 0),
        offers_listed=listed.get("cs", 0),
        sellers_elsewhere=list(found.values()),
        sellers_elsewhere_count=count,
    )


def _listed(storefront: Storefront) -> dict[str, int]:
    """The storefront's products listed ("all") and offers listed ("cs"), from the search counts."""
    everything = SearchValue.objects.filter(name="all", value="").values_list("pk", flat=True).first()
    if everything is None:
        return {}
    rows = (
        SearchCount.objects.filter(storefront=storefront, scope=everything, name__in=("all", "cs"))
        .values_list("name")
        .annotate(total=Sum("n"))
    )
    return {name: total for name, total in rows}


@dataclass
class ClosureReport:
    """The closure report of a storefront: one page of each list and what still blocks the end
    (None when no closure was announced)."""

    storefront: Storefront
    blockers: ClosureBlockers | None
    orders: list[SellerOrder]
    refunds: list[Refund]
    payouts: list[Payout]
    more_orders: bool = False
    more_refunds: bool = False
    more_payouts: bool = False
    seller_names: dict[int, str] = field(default_factory=dict)  # of the sellers the blockers name

    @property
    def orders_next(self) -> int | None:
        return self.orders[-1].pk if self.more_orders else None

    @property
    def refunds_next(self) -> int | None:
        return self.refunds[-1].pk if self.more_refunds else None

    @property
    def payouts_next(self) -> int | None:
        return self.payouts[-1].pk if self.more_payouts else None

    @property
    def announced(self) -> bool:
        return self.storefront.closure_announced_at is not None

    @property
    def only_money_held(self) -> bool:
        """Whether nothing blocks but the money held for its sellers, which the final payouts of
        "close for good" settle (storefront_closure_finish)."""
        if self.blockers is None or not self.blockers:
            return False
        return not ClosureBlockers(**{**self.blockers.__dict__, "held_minor": {}})

    @property
    def can_finish(self) -> bool:
        """Whether "Close for good" may be offered: closing, past its closing date, nothing open
        but the money its final payouts settle."""
        closing_on = self.storefront.closing_on
        return bool(
            self.storefront.status == Storefront.Status.CLOSING
            and closing_on is not None
            and closing_on <= timezone.localdate()
            and self.blockers is not None
            and (not self.blockers or self.only_money_held)
        )


def report_seller_orders(storefront: Storefront, *, only_open: bool = False) -> QuerySet[SellerOrder]:
    """The storefront's seller orders placed, changed or still going on since the decision,
    newest first (none when no closure was announced)."""
    since = storefront.closure_announced_at
    if since is None:
        return SellerOrder.objects.none()
    rows = SellerOrder.objects.filter(order__storefront=storefront)
    rows = (
        rows.filter(status__in=GOING_ON)
        if only_open
        else rows.filter(Q(status__in=GOING_ON) | Q(updated_at__gte=since) | Q(order__placed_at__gte=since))
    )
    return rows.order_by("-id")


def report_refunds(storefront: Storefront) -> QuerySet[Refund]:
    """The refunds of the storefront's orders asked for since the decision, newest first."""
    since = storefront.closure_announced_at
    if since is None:
        return Refund.objects.none()
    return Refund.objects.filter(payment__order__storefront=storefront, created_at__gte=since).order_by("-id")


def report_payouts(storefront: Storefront) -> QuerySet[Payout]:
    """The payouts made since the decision to the sellers admitted to the storefront (a payout
    settles a seller's whole balance, all storefronts together), newest first."""
    since = storefront.closure_announced_at
    if since is None:
        return Payout.objects.none()
    sellers = SellerAdmission.objects.filter(storefront=storefront).values("seller_id")
    return Payout.objects.filter(seller_id__in=sellers, created_at__gte=since).order_by("-id")


def _page(rows: QuerySet[Any], after: int | None) -> tuple[list[Any], bool]:
    if after is not None:
        rows = rows.filter(id__lt=after)
    found = list(rows[: PAGE + 1])
    return found[:PAGE], len(found) > PAGE


def closure_report(
    *,
    storefront: Storefront,
    orders_after: int | None = None,
    refunds_after: int | None = None,
    payouts_after: int | None = None,
    only_open: bool = False,
) -> ClosureReport:
    """Return the closure report's page: ``PAGE`` rows of each list from the given keyset
    positions, and the storefront's closure blockers once a closure is announced."""
    if storefront.closure_announced_at is None:
        return ClosureReport(storefront=storefront, blockers=None, orders=[], refunds=[], payouts=[])
    orders, more_orders = _page(
        report_seller_orders(storefront, only_open=only_open).select_related("order", "seller"),
        orders_after,
    )
    refunds, more_refunds = _page(report_refunds(storefront).select_related("payment__order"), refunds_after)
    payouts, more_payouts = _page(report_payouts(storefront).select_related("seller"), payouts_after)
    blockers = closure_blockers(storefront_id=storefront.pk)
    named = {  # an empty set asks the database nothing
        row["seller_id"]
        for kind in ("held_by_seller", "sellers_in_debt")
        for row in blockers.details.get(kind, ())
    }
    return ClosureReport(
        storefront=storefront,
        blockers=blockers,
        seller_names=dict(Seller.objects.filter(pk__in=named).values_list("pk", "display_name")),
        orders=orders,
        refunds=refunds,
        payouts=payouts,
        more_orders=more_orders,
        more_refunds=more_refunds,
        more_payouts=more_payouts,
    )


CSV_HEADER = ("kind", "reference", "order", "seller", "status", "amount", "refunded", "currency", "at")


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def closure_report_rows(storefront: Storefront) -> Iterator[tuple[Any, ...]]:
    """Yield the closure report's rows for its CSV (``CSV_HEADER``): every seller order, refund and
    payout since the decision, read in chunks (``iterator``), amounts in minor units."""
    orders = report_seller_orders(storefront).values_list(
        "number", "order__number", "seller__display_name", "status", "total_minor", "refunded_minor",
        "order__currency", "order__placed_at",
    )  # fmt: skip
    for number, order, seller, status, total, refunded, currency, placed in orders.iterator(chunk_size=2000):
        yield ("seller_order", number, order, seller, status, total, refunded, currency, _when(placed))
    refunds = report_refunds(storefront).values_list(
        "uuid", "payment__order__number", "status", "amount_minor", "currency", "created_at"
    )
    for uuid, order, status, amount, currency, created in refunds.iterator(chunk_size=2000):
        yield ("refund", str(uuid), order, "", status, amount, "", currency, _when(created))
    payouts = report_payouts(storefront).values_list(
        "pk", "seller__display_name", "amount_minor", "currency", "created_at"
    )
    for pk, seller, amount, currency, created in payouts.iterator(chunk_size=2000):
        yield ("payout", f"GALERIE-P{pk}", "", seller, "", amount, "", currency, _when(created))
