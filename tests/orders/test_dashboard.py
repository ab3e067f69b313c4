"""The dashboard's reads: orders to accept, late shipments, low stock, sales per day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from galerie.offers.models import Offer
from galerie.offers.selectors.seller import seller_offers_low_stock_count
from galerie.orders.models import SellerOrder
from galerie.orders.selectors import (
    dispatch_due,
    seller_order_ids_late,
    seller_orders_late_count,
    seller_orders_to_accept_count,
    seller_sales_by_day,
)
from tests.factories import make_offer, make_seller, make_storefront
from tests.web.portal_data import seller_order_make

pytestmark = pytest.mark.django_db
S = SellerOrder.Status
# A Wednesday at noon, Paris time.
NOW = timezone.make_aware(datetime(2030, 5, 15, 12, 0))


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@pytest.mark.parametrize(
    ("placed", "lead", "due"),
    [
        (date(2030, 5, 13), 2, date(2030, 5, 15)),  # Monday + 2 → Wednesday
        (date(2030, 5, 16), 2, date(2030, 5, 20)),  # Thursday + 2 → Monday (the weekend skipped)
        (date(2030, 5, 18), 1, date(2030, 5, 21)),  # Saturday counts from Monday → Tuesday
        (date(2030, 5, 19), 0, date(2030, 5, 20)),  # Sunday, no lead: Monday
        (date(2030, 5, 15), 0, date(2030, 5, 15)),  # Wednesday, no lead: the same day
        (date(2030, 5, 13), 5, date(2030, 5, 20)),  # a full week
    ],
)
def test_the_dispatch_day_counts_working_days(placed, lead, due):
    assert dispatch_due(placed, lead) == due


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)), st.integers(0, 60))
def test_the_dispatch_day_is_a_working_day_with_exactly_lead_working_days_after_the_start(placed, lead):
    due = dispatch_due(placed, lead)
    assert due.weekday() < 5 and due >= placed
    start = placed
    while start.weekday() >= 5:
        start += timedelta(days=1)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(1 for d in between if d.weekday() < 5) == lead


@pytest.fixture
def seller_and_offers():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    fast = make_offer(seller=seller, price_minor=1000, stock=2, lead_time_days=2)
    slow = make_offer(seller=seller, price_minor=2500, stock=9, lead_time_days=10)
    other = make_offer(seller=make_seller(storefronts=[storefront]), price_minor=999, stock=0)
    return seller, fast, slow, other


def test_orders_to_accept_count_only_the_sellers_new_orders(seller_and_offers):
    seller, fast, _slow, other = seller_and_offers
    for status in (S.NEW, S.NEW, S.ACCEPTED, S.SHIPPED, S.REFUSED, S.CANCELLED):
        seller_order_make(offer=fast, placed_at=NOW, status=status)
    seller_order_make(offer=other, placed_at=NOW, status=S.NEW)
    assert seller_orders_to_accept_count(seller) == 2


def test_late_shipments_follow_the_lead_time_in_working_days(seller_and_offers):
    seller, fast, slow, other = seller_and_offers
    # Due Friday 10 May (Wednesday + 2): late on Wednesday 15.
    seller_order_make(offer=fast, placed_at=at(date(2030, 5, 8)), status=S.ACCEPTED)
    # Due Tuesday 14 May (Friday + 2 working days): late.
    seller_order_make(offer=fast, placed_at=at(date(2030, 5, 10)), status=S.ACCEPTED)
    # Due Wednesday 15 May (Monday + 2): due today, not late yet.
    seller_order_make(offer=fast, placed_at=at(date(2030, 5, 13)), status=S.ACCEPTED)
    # Ten working days from 8 May: due 22 May, not late.
    seller_order_make(offer=slow, placed_at=at(date(2030, 5, 8)), status=S.ACCEPTED)
    # Shipped, new or refused orders are not late shipments, however old.
    for status in (S.SHIPPED, S.NEW, S.REFUSED):
        seller_order_make(offer=fast, placed_at=at(date(2030, 4, 1)), status=status)
    seller_order_make(offer=other, placed_at=at(date(2030, 4, 1)), status=S.ACCEPTED)
    assert seller_orders_late_count(seller, now=NOW) == 2
    assert seller_orders_late_count(seller, now=NOW + timedelta(days=1)) == 3  # Thursday
    # The orders page's "late" filter lists exactly those orders.
    late = seller_order_ids_late(seller, now=NOW)
    assert len(late) == 2 and SellerOrder.objects.filter(pk__in=late, status="accepted").count() == 2
    assert set(late) < set(seller_order_ids_late(seller, now=NOW + timedelta(days=1)))


def test_low_stock_counts_active_offers_at_or_below_the_threshold(seller_and_offers):
    seller, _fast, _slow, _other = seller_and_offers
    make_offer(seller=seller, stock=0)
    make_offer(seller=seller, stock=3)
    make_offer(seller=seller, stock=4)
    paused = make_offer(seller=seller, stock=1)
    Offer.objects.filter(pk=paused.pk).update(status=Offer.Status.PAUSED)
    assert seller.low_stock_threshold == 3
    assert seller_offers_low_stock_count(seller) == 3  # fast (2), 0 and 3; not 4, 9 or the paused one
    seller.low_stock_threshold = 10
    assert seller_offers_low_stock_count(seller) == 5


def test_sales_per_day_count_the_last_30_days_less_refunds_and_no_refused_order(seller_and_offers):
    seller, fast, slow, other = seller_and_offers
    today = NOW.date()
    seller_order_make(offer=fast, placed_at=at(today), status=S.NEW, quantity=2, shipping_minor=490)
    seller_order_make(offer=slow, placed_at=at(today, 23), status=S.SHIPPED)
    seller_order_make(
        offer=slow, placed_at=at(today - timedelta(days=3)), status=S.DELIVERED, refunded_minor=500
    )
    seller_order_make(offer=slow, placed_at=at(today - timedelta(days=29)), status=S.ACCEPTED)
    seller_order_make(offer=slow, placed_at=at(today - timedelta(days=30)), status=S.DELIVERED)  # too old
    seller_order_make(offer=slow, placed_at=at(today), status=S.REFUSED)
    seller_order_make(offer=slow, placed_at=at(today), status=S.CANCELLED)
    seller_order_make(offer=other, placed_at=at(today), status=S.NEW)
    [sales] = seller_sales_by_day(seller, now=NOW)
    assert sales.currency == "EUR"
    assert len(sales.days) == 30
    assert sales.days[0].day == today - timedelta(days=29) and sales.days[-1].day == today
    amounts = {d.day: d.amount_minor for d in sales.days if d.amount_minor}
    assert amounts == {
        today: 2 * 1000 + 490 + 2500,  # 23:00 Paris is still today
        today - timedelta(days=3): 2500 - 500,
        today - timedelta(days=29): 2500,
    }
    assert sales.total_minor == 9490 and sales.max_minor == 4990


def test_no_sales_is_an_empty_list(seller_and_offers):
    assert seller_sales_by_day(seller_and_offers[0], now=NOW) == []


def test_each_read_is_one_query_whatever_the_number_of_orders(seller_and_offers, django_assert_num_queries):
    seller, fast, slow, _other = seller_and_offers
    for days in range(12):
        seller_order_make(offer=fast, placed_at=NOW - timedelta(days=days), status=S.ACCEPTED)
        seller_order_make(offer=slow, placed_at=NOW - timedelta(days=days), status=S.NEW)
    for read in (
        seller_orders_to_accept_count,
        seller_orders_late_count,
        seller_offers_low_stock_count,
        seller_sales_by_day,
    ):
        with django_assert_num_queries(1):
            read(seller)
