"""The storefronts' profit and loss equals the same figures recomputed from raw orders and
journal lines, per storefront and month, on generated marketplaces; its sums over storefronts
are the ledger's account totals."""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.ledger import pnl as pnl_module
from galerie.ledger.costs import storefront_cost_record
from galerie.ledger.models import AccountKind, CommissionPlan, JournalEntry, JournalLine, StorefrontCost
from galerie.ledger.pnl import Figures, figures_by_key, storefront_pnl, storefront_pnl_csv
from galerie.ledger.reports import (
    ALL_TIME,
    Period,
    commission_revenue_by_storefront_month,
    reconciliation,
    trial_balance_by_kind,
)
from galerie.ledger.services import entry_reverse
from galerie.orders.models import Order, SellerOrder
from galerie.orders.services import seller_order_refuse
from galerie.payments.models import Payment
from galerie.payments.selectors import payment_refundable
from galerie.payments.services import payment_refund
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import ADDRESS, SUCCESS
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant
from tests.ledger.test_properties import settle

pytestmark = pytest.mark.django_db(transaction=True)
FEES = ["0", "1.5%+0.25", "2.9%+0.30", "0.35"]


@contextlib.contextmanager
def at(moment: datetime):
    """Run with the clock at ``moment`` (moving on from it): what is posted or placed is dated so."""
    start = time.monotonic()
    with mock.patch(
        "django.utils.timezone.now", new=lambda: moment + timedelta(seconds=time.monotonic() - start)
    ):
        yield


def month_day(month: int, day: int = 10) -> datetime:
    """Noon of a day in the ``month``-th month from January 2031 (local time)."""
    return timezone.make_aware(datetime(2031 + month // 12, month % 12 + 1, day, 12))


class Market:
    """Storefronts with their commission plans, sellers (one on two storefronts), offers and customers."""

    def __init__(self, n_storefronts: int) -> None:
        self.storefronts = [make_storefront() for _ in range(n_storefronts)]
        for i, storefront in enumerate(self.storefronts):
            CommissionPlan.objects.create(storefront=storefront, rate_bp=800 + 350 * i, fixed_fee_minor=i * 5)
        shared = make_seller(storefronts=self.storefronts)
        self.sellers = {s.pk: [shared, make_seller(storefronts=[s])] for s in self.storefronts}
        self.owners = {}
        self.offers = {}
        for pair in self.sellers.values():
            for seller in pair:
                if seller.pk not in self.owners:
                    owner = make_user()
                    seller_member_add(seller=seller, user=owner, role=SellerMember.Role.OWNER)
                    self.owners[seller.pk] = owner
                    self.offers[seller.pk] = make_offer(
                        seller=seller,
                        variant=make_variant(),
                        price_minor=1990 + 1000 * len(self.offers),
                        stock=999,
                    )
        self.customers = [make_user() for _ in range(3)]
        self.staff = make_user(is_staff=True)

    def order(self, storefront_i: int, customer_i: int, which: int) -> Order:
        storefront = self.storefronts[storefront_i]
        cart = None
        for bit, seller in enumerate(self.sellers[storefront.pk]):
            if which & (1 << bit):
                cart = cart_add(
                    storefront=storefront, cart=cart, customer=self.customers[customer_i],
                    offer_id=self.offers[seller.pk].pk, quantity=1 + bit,
                )  # fmt: skip
        outcome = checkout_place_order(
            storefront=storefront, cart=cart, customer=self.customers[customer_i], address=ADDRESS,
            payment_method=SUCCESS, idempotency_key=secrets.token_urlsafe(16), return_url="http://t/r/",
        )  # fmt: skip
        assert outcome.order is not None
        settle()
        return outcome.order

    def refuse(self, order: Order) -> None:
        part = SellerOrder.objects.filter(order=order, status="new").order_by("pk").first()
        if part is not None:
            seller_order_refuse(seller_order_id=part.pk, acting_user=self.owners[part.seller_id], reason="no")
        settle()

    def refund(self, order: Order, share: int) -> None:
        payment = Payment.objects.get(pk=order.payment_id)
        left = payment_refundable(payment=payment) if payment.status == "captured" else None
        if left and left.amount_minor > 0:
            with contextlib.suppress(DomainError):
                payment_refund(
                    payment_id=payment.pk, amount=Money(max(1, left.amount_minor * share // 100), "EUR"),
                    idempotency_key=secrets.token_urlsafe(16), reason="goodwill",
                )  # fmt: skip
        settle()


def local_month(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def within(period: Period, moment: datetime) -> bool:
    return (period.starts_at is None or moment >= period.starts_at) and (
        period.ends_before is None or moment < period.ends_before
    )


def brute_force(period: Period) -> dict[tuple[int | None, str, date], Figures]:
    """Every figure of the report, recomputed row by row in Python from orders and journal lines."""
    out: dict[tuple[int | None, str, date], Figures] = {}

    def cell(storefront_id: int | None, currency: str, month: date) -> Figures:
        return out.setdefault((storefront_id, currency, month), Figures(currency=currency))

    storefront_of_payment = dict(Order.objects.values_list("payment_id", "storefront_id"))
    captured: dict[tuple, set[int]] = defaultdict(set)
    for line in JournalLine.objects.select_related("entry__reverses", "account"):
        if not within(period, line.entry.posted_at):
            continue
        key = (storefront_of_payment.get(line.payment_id), line.currency, local_month(line.entry.posted_at))
        figures, kind, entry_kind = cell(*key), line.account.kind, line.entry.kind
        if entry_kind == JournalEntry.Kind.REVERSAL:  # counted as the kind of entry it reverses
            entry_kind = line.entry.reverses.kind
        if kind == AccountKind.GATEWAY_RECEIVABLE and entry_kind == JournalEntry.Kind.CAPTURE:
            figures.gmv_minor += line.debit_minor - line.credit_minor
            captured[key].add(line.payment_id) if line.debit_minor else captured[key].discard(line.payment_id)
        elif kind == AccountKind.GATEWAY_RECEIVABLE and entry_kind == JournalEntry.Kind.REFUND:
            figures.refunds_minor += line.credit_minor - line.debit_minor
        elif kind == AccountKind.COMMISSION_REVENUE:
            figures.commission_minor += line.credit_minor - line.debit_minor
        elif kind == AccountKind.COMMISSION_VAT:
            figures.commission_vat_minor += line.credit_minor - line.debit_minor
        elif kind == AccountKind.PAYMENT_FEES:
            figures.fees_minor += line.debit_minor - line.credit_minor
    for key, payments in captured.items():
        cell(*key).orders = len(payments)
    orders = list(Order.objects.order_by("placed_at", "pk"))
    first: dict[tuple[int, int], datetime] = {}
    for order in orders:
        first.setdefault((order.storefront_id, order.customer_id), order.placed_at)
    customers: dict[tuple, set[int]] = defaultdict(set)
    for order in orders:
        if within(period, order.placed_at):
            customers[(order.storefront_id, order.currency, local_month(order.placed_at))].add(
                order.customer_id
            )
    for key, ids in customers.items():
        new = {c for c in ids if local_month(first[(key[0], c)]) == key[2]}
        cell(*key).new_customers, cell(*key).returning_customers = len(new), len(ids - new)
    sellers: dict[tuple, set[int]] = defaultdict(set)
    for part in SellerOrder.objects.select_related("order"):
        if within(period, part.order.placed_at):
            sellers[(part.order.storefront_id, part.order.currency, local_month(part.order.placed_at))].add(
                part.seller_id
            )
    for key, ids in sellers.items():
        cell(*key).active_sellers = len(ids)
    for cost in StorefrontCost.objects.all():
        starts = period.first is None or cost.month >= period.first.replace(day=1)
        if starts and (period.last is None or cost.month <= period.last):
            cell(cost.storefront_id, cost.currency, cost.month).costs[cost.kind] += cost.amount_minor
    return out


def check(period: Period) -> None:
    report = storefront_pnl(period)
    got = {k: f for k, f in figures_by_key(report).items() if f != Figures(currency=f.currency)}
    expected = brute_force(period)
    assert got == expected
    # Sums over the storefronts are the ledger's account totals for the period.
    ledger = {(r["kind"], r["currency"]): r for r in trial_balance_by_kind(period)["rows"]}
    for currency, total in report.totals.items():

        def moved(kind: str, currency: str = currency) -> int:
            row = ledger.get((kind, currency))
            return 0 if row is None else row["debit_minor"] - row["credit_minor"]

        assert total.commission_minor == -moved(AccountKind.COMMISSION_REVENUE)
        assert total.commission_vat_minor == -moved(AccountKind.COMMISSION_VAT)
        assert total.fees_minor == moved(AccountKind.PAYMENT_FEES)
        assert total.gmv_minor - total.refunds_minor - total.fees_minor == moved(
            AccountKind.GATEWAY_RECEIVABLE
        )
        assert total.costs_minor == sum(
            c.amount_minor for c in StorefrontCost.objects.filter(currency=currency)
            if (period.first is None or c.month >= period.first.replace(day=1))
            and (period.last is None or c.month <= period.last)
        )  # fmt: skip
    # A storefront's period total is the sum of its months for every money figure.
    for s in report.storefronts:
        assert s.total.gmv_minor == sum(f.gmv_minor for _m, f in s.months)
        assert s.total.margin_minor == sum(f.margin_minor for _m, f in s.months)


ORDER = st.tuples(
    st.integers(0, 2),  # storefront
    st.integers(0, 3),  # month
    st.integers(0, 2),  # customer
    st.integers(1, 3),  # which sellers (bit mask)
    st.sampled_from(["keep", "keep", "refuse", "refund", "refund_later"]),
    st.sampled_from([10, 50, 100]),  # refund share, %
)
COST = st.tuples(
    st.integers(0, 2), st.integers(0, 3), st.sampled_from(StorefrontCost.Kind.values), st.integers(1, 500_000)
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    n_storefronts=st.integers(2, 3),
    orders=st.lists(ORDER, min_size=1, max_size=7),
    costs=st.lists(COST, max_size=4),
    fee=st.sampled_from(FEES),
    period_pick=st.integers(0, 3),
)
def test_the_pnl_equals_a_recomputation_from_orders_and_lines(n_storefronts, orders, costs, fee, period_pick):
    with override_settings(GALERIE_TEST_GATEWAY_FEE=fee):
        market = Market(n_storefronts)
        for storefront_i, month, customer_i, which, fate, share in sorted(orders, key=lambda o: o[1]):
            storefront_i %= n_storefronts
            with at(month_day(month)):
                order = market.order(storefront_i, customer_i, which)
                if fate == "refuse":
                    market.refuse(order)
                elif fate == "refund":
                    market.refund(order, share)
            if fate == "refund_later":
                with at(month_day(month + 1, 2)):
                    market.refund(order, share)
        for storefront_i, month, kind, amount in costs:
            storefront_cost_record(
                storefront_id=market.storefronts[storefront_i % n_storefronts].pk,
                month=month_day(month).date().replace(day=1),
                kind=kind, amount=Money(amount, "EUR"), note="", acting_user=market.staff,
            )  # fmt: skip
    periods = [
        ALL_TIME,
        Period(date(2031, 2, 1), date(2031, 3, 31)),
        Period(date(2031, 1, 11), None),  # from mid-January: January's orders of the 10th left out
        Period(None, date(2031, 2, 9)),
    ]
    check(periods[period_pick])
    check(ALL_TIME)
    # Fees do not make the reconciliation report see differences: it compares captures and refunds.
    assert reconciliation()["differences"] == []


def test_fixed_number_of_queries_whatever_the_storefronts_and_months(django_assert_num_queries):
    market = Market(2)
    for month in range(3):
        with at(month_day(month)):
            market.order(month % 2, month, 3)
    with django_assert_num_queries(10):
        small = storefront_pnl(ALL_TIME)
    market.storefronts.append(make_storefront())
    for month in range(3, 6):
        with at(month_day(month)):
            market.order(month % 2, 0, 1)
    with django_assert_num_queries(10):
        big = storefront_pnl(ALL_TIME)
    assert len(big.storefronts) > len(small.storefronts)


def test_a_known_month_by_hand():
    """One storefront at 10 %, one order of 19.90 + shipping, 1.5 % + 0.25 fee, a 5.00 refund."""
    storefront = make_storefront(name="Alapage")
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000)
    seller = make_seller(storefronts=[storefront])
    offer = make_offer(seller=seller, variant=make_variant(), price_minor=1990, stock=9)
    customer = make_user()
    with override_settings(GALERIE_TEST_GATEWAY_FEE="1.5%+0.25"), at(month_day(0)):
        cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=1)
        order = checkout_place_order(
            storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key="known-month-order-1", return_url="http://t/r/",
        ).order  # fmt: skip
        settle()
        payment_refund(
            payment_id=order.payment_id,
            amount=Money(500, "EUR"),
            idempotency_key="known-month-refund-1",
            reason="x",
        )
        settle()
        storefront_cost_record(
            storefront_id=storefront.pk, month=date(2031, 1, 1), kind="hosting", amount=Money(1000, "EUR"),
            acting_user=make_user(is_staff=True),
        )  # fmt: skip
    report = storefront_pnl(Period(date(2031, 1, 1), date(2031, 1, 31)))
    [row] = [s for s in report.storefronts if s.storefront_id == storefront.pk]
    [(month, f)] = row.months
    total = order.total_minor
    fee = Payment.objects.get(pk=order.payment_id).fee_minor
    assert fee == (total * 150 + 5000) // 10000 + 25
    assert (month, f.gmv_minor, f.orders, f.refunds_minor, f.fees_minor) == (
        date(2031, 1, 1),
        total,
        1,
        500,
        fee,
    )
    # 10 % of 19.90, less the refund's share of it; the same as the commission report says.
    assert 0 < f.commission_minor < 199
    [revenue] = commission_revenue_by_storefront_month(Period(date(2031, 1, 1), date(2031, 1, 31)))
    assert (revenue["storefront_id"], revenue["revenue_minor"]) == (storefront.pk, f.commission_minor)
    assert (f.new_customers, f.returning_customers, f.active_sellers) == (1, 0, 1)
    assert f.costs["hosting"] == 1000
    assert f.margin_minor == f.commission_minor - fee - 1000
    assert f.average_basket_minor == total
    csv_text = storefront_pnl_csv(report)
    assert csv_text.splitlines()[0].startswith("storefront_id,storefront,month,currency,gmv,orders")
    assert f"{storefront.pk},Alapage,2031-01,EUR,{Money(total, 'EUR').to_decimal()},1," in csv_text
    assert pnl_module.CSV_HEADER[-1] == "offers_listed_now"
    # A reversed capture and fee (a correction) take the order out of GMV, orders and costs.
    with at(month_day(0, 20)):
        for kind in ("capture", "payment_fee"):
            entries = JournalEntry.objects.filter(kind=kind, lines__payment_id=order.payment_id).distinct()
            entry_reverse(entry_id=entries.get().pk)
    check(ALL_TIME)
    [row] = [s for s in storefront_pnl(ALL_TIME).storefronts if s.storefront_id == storefront.pk]
    assert (row.total.gmv_minor, row.total.orders, row.total.fees_minor) == (0, 0, 0)


def test_a_period_from_year_1_to_9999_lists_only_the_months_with_figures_and_this_month(db):
    # Given a storefront with no figure yet (the API lets anyone with the permission ask any dates)
    make_storefront()
    today = date(2026, 12, 5)
    # When the P&L is asked for the widest period a date allows
    report = storefront_pnl(Period(date(1, 1, 1), date(9999, 12, 31)), today=today)
    # Then it lists this month only, not a hundred thousand empty months (found by schemathesis)
    assert report.months == [date(2026, 12, 1)]
