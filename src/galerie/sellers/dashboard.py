"""Reads of the seller portal's dashboard: what needs doing, and the sales of the last days.

Every function takes the seller and runs one aggregated query, whatever the number of
orders or offers.

**Late shipment rule.** An accepted seller order is late when it has not shipped by its
promised dispatch date: the day the order was placed (local time) plus the longest lead time
of its lines' offers, counted in working days (Monday to Friday, public holidays not known),
the day of the order not counted; an order placed on a weekend counts from the Monday. It is
late from the day after that date. The lead time is the offers' current one (the order keeps
no copy of it); ``delivery_days_min`` would mix in the transit time the seller does not control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from galerie.offers.models import Offer
from galerie.orders.models import OrderLine, SellerOrder
from galerie.sellers.models import Seller

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


def _accepted_by_lead_and_day(seller: Seller):
    lead = (
        OrderLine.objects.filter(seller_order_id=OuterRef("pk"))
        .values("seller_order_id")
        .annotate(lead=Max("offer__lead_time_days"))
        .values("lead")
    )
    return SellerOrder.objects.filter(seller_id=seller.pk, status=SellerOrder.Status.ACCEPTED).annotate(
        lead=Subquery(lead), day=TruncDate("order__placed_at")
    )


def _late_groups(seller: Seller, now: datetime | None) -> list[dict]:
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


def seller_offers_low_stock_count(seller: Seller) -> int:
    """Return how many active offers of the seller have ``low_stock_threshold`` units or fewer."""
    return Offer.objects.filter(
        seller_id=seller.pk, status=Offer.Status.ACTIVE, stock__lte=seller.low_stock_threshold
    ).count()


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
