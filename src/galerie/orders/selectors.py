"""Reads of orders, always through the actor: a customer sees their orders, a seller's staff
member sees that seller's part of orders, nothing else (conventions: access functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from galerie.accounts.models import User
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import (
    SELLER_ORDER_REFUND_KEY,
    Order,
    OrderLine,
    SellerOrder,
    Shipment,
    ShipmentLine,
)
from galerie.payments.models import Refund
from galerie.sellers.closing import CloseBlocker
from galerie.sellers.models import Seller, SellerMember
from galerie.storefronts.models import Storefront


def orders_for_customer(
    *, customer: User | AnonymousUser, storefront: Storefront | None = None
) -> QuerySet[Order]:
    """Return the customer's orders, newest first (none for an anonymous user)."""
    if not customer.is_authenticated:
        return Order.objects.none()
    orders = Order.objects.filter(customer=customer).select_related("storefront")
    if storefront is not None:
        orders = orders.filter(storefront=storefront)
    return orders.order_by("-id")


# A seller order's parcels with their lines, in two queries whatever their number.
_PARCELS = Prefetch(
    "shipments",
    queryset=Shipment.objects.order_by("number").prefetch_related(
        Prefetch(
            "lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("order_line_id")
        )
    ),
)


def order_get_for_customer(
    *, customer: User | AnonymousUser, number: str, storefront: Storefront | None = None
) -> Order:
    """Return one of the customer's orders with its seller orders and lines; raise OrderNotFound."""
    order = (
        orders_for_customer(customer=customer, storefront=storefront)
        .select_related("payment")
        .prefetch_related(
            Prefetch(
                "payment__refunds",
                queryset=Refund.objects.exclude(status=Refund.Status.FAILED).order_by("created_at", "id"),
            ),
            Prefetch(
                "seller_orders",
                queryset=SellerOrder.objects.select_related("seller").prefetch_related(
                    Prefetch("lines", queryset=OrderLine.objects.order_by("id")), _PARCELS
                ),
            ),
        )
        .filter(number=number)
        .first()
    )
    if order is None:
        raise OrderNotFound("There is no such order in your account.")
    return order


@dataclass(frozen=True)
class RefundLine:
    amount_minor: int
    at: datetime
    pending: bool
    seller_order: SellerOrder | None  # None: a refund on the whole order (not one seller's part)


@dataclass(frozen=True)
class OrderRefunds:
    lines: list[RefundLine]
    refunded_minor: int  # refunds the gateway confirmed
    paid_minor: int  # what the customer finally paid: the total less the confirmed refunds


def order_refunds(*, order: Order) -> OrderRefunds:
    """Return the refunds of an order from ``order_get_for_customer``'s prefetched rows (no query):
    each with its amount, date and the seller's part it refunds, and what was finally paid."""
    parts = {part.uuid.hex: part for part in order.seller_orders.all()}
    lines = []
    for refund in order.payment.refunds.all():
        match = SELLER_ORDER_REFUND_KEY.match(refund.idempotency_key)
        lines.append(
            RefundLine(
                amount_minor=refund.amount_minor,
                at=refund.updated_at if refund.status == Refund.Status.SUCCEEDED else refund.created_at,
                pending=refund.status == Refund.Status.PENDING,
                seller_order=parts.get(match.group(1)) if match else None,
            )
        )
    refunded = sum(line.amount_minor for line in lines if not line.pending)
    return OrderRefunds(lines=lines, refunded_minor=refunded, paid_minor=order.total_minor - refunded)


def seller_ids_for_member(user: User | AnonymousUser, *, roles: tuple[str, ...] | None = None) -> list[int]:
    """Return the ids of the sellers the user works for (with one of ``roles`` if given)."""
    if not user.is_authenticated:
        return []
    members = SellerMember.objects.filter(user=user)
    if roles is not None:
        members = members.filter(role__in=roles)
    return list(members.values_list("seller_id", flat=True))


def seller_orders_for_member(
    user: User | AnonymousUser, *, roles: tuple[str, ...] | None = None, seller_id: int | None = None
) -> QuerySet[SellerOrder]:
    """Return the seller orders of every seller the user works for (or only ``seller_id``), newest first."""
    ids = seller_ids_for_member(user, roles=roles)
    if seller_id is not None:
        ids = [i for i in ids if i == seller_id]
    return (
        SellerOrder.objects.filter(seller_id__in=ids)
        .select_related("order", "order__storefront", "seller")
        .order_by("-id")
    )


def seller_order_get_for_member(
    user: User | AnonymousUser,
    *,
    number: str | None = None,
    seller_id: int | None = None,
    seller_order_id: int | None = None,
) -> SellerOrder:
    """Return one seller order of the user's sellers (or of ``seller_id``) with its lines, by
    ``number`` (the pages) or ``seller_order_id`` (the API).

    Raise OrderNotFound when it is not theirs."""
    found: dict[str, str | int | None] = (
        {"number": number} if seller_order_id is None else {"pk": seller_order_id}
    )
    seller_order = (
        seller_orders_for_member(user, seller_id=seller_id)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")), _PARCELS)
        .filter(**found)
        .first()
    )
    if seller_order is None:
        raise OrderNotFound(_("There is no such order for your shop."))
    return seller_order


@dataclass(frozen=True)
class LineToShip:
    line: OrderLine
    left: int  # not in any parcel yet


def lines_to_ship(seller_order: SellerOrder) -> list[LineToShip]:
    """Return each line of a seller order from ``seller_order_get_for_member`` (prefetched: no
    query) with the quantity not in any parcel yet."""
    shipped: dict[int, int] = {}
    for parcel in seller_order.shipments.all():
        for row in parcel.lines.all():
            shipped[row.order_line_id] = shipped.get(row.order_line_id, 0) + row.quantity
    return [
        LineToShip(line=line, left=line.quantity - shipped.get(line.pk, 0))
        for line in seller_order.lines.all()
    ]


# --- the seller portal's dashboard: what needs doing, the sales of the last days -------------
#
# Every function takes the seller and runs one aggregated query, whatever the number of orders.
#
# Late shipment rule. An accepted seller order is late when it has not shipped by its
# promised dispatch date: the day the order was placed (local time) plus the longest lead time
# of its lines' offers, counted in working days (Monday to Friday, public holidays not known),
# the day of the order not counted; an order placed on a weekend counts from the Monday. It is
# late from the day after that date. The lead time is the offers' current one (the order keeps
# no copy of it); ``delivery_days_min`` would mix in the transit time the seller does not control.

SALES_DAYS = 30
NOT_SALES = (SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED)


@dataclass(frozen=True)
class DayAmount:
    day: date
    amount_minor: int


@dataclass(frozen=True)
class Sales:
    """One currency's sales per day, oldest day first, every day present (zero when none)."""

    currency: str
    days: list[DayAmount]

    @property
    def total_minor(self) -> int:
        return sum(d.amount_minor for d in self.days)

    @property
    def max_minor(self) -> int:
        return max((d.amount_minor for d in self.days), default=0)


def dispatch_due(placed_on: date, lead_time_days: int) -> date:
    """Return the day an order placed on ``placed_on`` must ship by: ``lead_time_days`` working
    days later (the order's own day not counted; a weekend order counts from Monday)."""
    day = placed_on
    while day.weekday() >= 5:
        day += timedelta(days=1)
    added = 0
    while added < lead_time_days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def seller_orders_to_accept_count(seller: Seller) -> int:
    """Return how many of the seller's orders await acceptance."""
    return SellerOrder.objects.filter(seller_id=seller.pk, status=SellerOrder.Status.NEW).count()


def _accepted_by_lead_and_day(seller: Seller) -> QuerySet[Any]:  # annotated with lead, day
    lead = (
        OrderLine.objects.filter(seller_order_id=OuterRef("pk"))
        .values("seller_order_id")
        .annotate(lead=Max("offer__lead_time_days"))
        .values("lead")
    )
    return SellerOrder.objects.filter(seller_id=seller.pk, status=SellerOrder.Status.ACCEPTED).annotate(
        lead=Subquery(lead), day=TruncDate("order__placed_at")
    )


def _late_groups(seller: Seller, now: datetime | None) -> list[dict[str, Any]]:
    today = timezone.localdate(now or timezone.now())
    groups = _accepted_by_lead_and_day(seller).values("lead", "day").annotate(n=Count("pk")).order_by()
    return [row for row in groups if dispatch_due(row["day"], row["lead"] or 0) < today]


def seller_orders_late_count(seller: Seller, *, now: datetime | None = None) -> int:
    """Return how many accepted orders of the seller are past their dispatch date (module rule).

    One query grouped by (lead time, day placed): the rows are a few per day of open orders.
    """
    return sum(row["n"] for row in _late_groups(seller, now))


def seller_order_ids_late(seller: Seller, *, now: datetime | None = None) -> list[int]:
    """Return the ids of the seller's accepted orders past their dispatch date (two queries)."""
    groups = _late_groups(seller, now)
    if not groups:
        return []
    late = Q()
    for row in groups:
        lead = Q(lead=row["lead"]) if row["lead"] is not None else Q(lead__isnull=True)
        late |= lead & Q(day=row["day"])
    return list(_accepted_by_lead_and_day(seller).filter(late).values_list("pk", flat=True))


def seller_sales_by_day(
    seller: Seller, *, days: int = SALES_DAYS, now: datetime | None = None
) -> list[Sales]:
    """Return the seller's sales of the last ``days`` days (today included), per currency.

    A day's amount is the total (items and shipping) of the seller orders placed that day,
    less what was refunded on them; refused and cancelled orders do not count. One query.
    """
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        SellerOrder.objects.filter(seller_id=seller.pk, order__placed_at__gte=start)
        .exclude(status__in=NOT_SALES)
        .annotate(day=TruncDate("order__placed_at"))
        .values("order__currency", "day")
        .annotate(amount=Sum(F("total_minor") - F("refunded_minor")))
        .order_by()
    )
    by_currency: dict[str, dict[date, int]] = {}
    for row in rows:
        by_currency.setdefault(row["order__currency"], {})[row["day"]] = int(row["amount"] or 0)
    span = [first + timedelta(days=i) for i in range(days)]
    return [
        Sales(currency=currency, days=[DayAmount(day, amounts.get(day, 0)) for day in span])
        for currency, amounts in sorted(by_currency.items())
    ]


def seller_open_order_numbers(*, seller_id: int) -> list[str]:
    """Return the numbers of the seller's orders not finished yet (new, accepted or shipped)."""
    done = (SellerOrder.Status.DELIVERED, SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED)
    return list(
        SellerOrder.objects.filter(seller_id=seller_id)
        .exclude(status__in=done)
        .order_by("id")
        .values_list("number", flat=True)
    )


def seller_close_blocker(seller_id: int) -> CloseBlocker | None:
    """Return the seller's open orders as what blocks its closure, or None (a close guard)."""
    orders = seller_open_order_numbers(seller_id=seller_id)
    if not orders:
        return None
    shown = ", ".join(orders[:5]) + (", …" if len(orders) > 5 else "")
    part = ngettext("%(n)d open order (%(numbers)s)", "%(n)d open orders (%(numbers)s)", len(orders)) % {
        "n": len(orders),
        "numbers": shown,
    }
    return CloseBlocker(parts=(part,), details={"open_orders": orders})


def orders_placed_count() -> int:
    """Return how many orders were ever placed (orders are never deleted: the count only grows);
    for /metrics."""
    return Order.objects.count()
