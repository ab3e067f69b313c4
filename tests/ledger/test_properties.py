"""Any interleaving of orders, captures, refusals and refunds keeps the books exact."""

from __future__ import annotations

import contextlib
import itertools
import secrets
import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F, Sum
from django.test import override_settings
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from galerie.cart.services import cart_add
from galerie.checkout.handlers import HANDLERS as CHECKOUT_HANDLERS
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import outbox_deliver_batch
from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.handlers import HANDLERS as LEDGER_HANDLERS
from galerie.ledger.models import (
    AccountKind,
    CommissionOverride,
    CommissionPlan,
    JournalEntry,
    JournalLine,
    Payout,
)  # fmt: skip
from galerie.ledger.payouts import payouts_run
from galerie.ledger.selectors import balances_by_kind, seller_position, trial_balance, unbalanced_entry_ids
from galerie.orders.jobs import refunds_due
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_refuse
from galerie.payments.models import Payment, Refund
from galerie.payments.selectors import payment_refundable
from galerie.payments.services import payment_refund
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from galerie.sellers.models import SellerMember, ShippingProfile
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import ADDRESS, SUCCESS
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant
from tests.ledger.payout_helpers import deliver

pytestmark = pytest.mark.django_db(transaction=True)
HELD = (
    AccountKind.SELLER_PAYABLE,
    AccountKind.SELLER_AVAILABLE,
    AccountKind.SELLER_DEBT,
    AccountKind.PAYOUTS_IN_TRANSIT,
    AccountKind.COMMISSION_REVENUE,
    AccountKind.COMMISSION_VAT,
    AccountKind.CUSTOMER_CLEARING,
)


# The worker's handlers these tests need: the checkout's capture on order.placed, then the ledger's.
HANDLERS = {
    **LEDGER_HANDLERS,
    "order.placed": [*CHECKOUT_HANDLERS["order.placed"], *LEDGER_HANDLERS["order.placed"]],
}


def settle() -> None:
    """Deliver the gateway's webhooks, retry refunds due, and run the checkout's and the
    ledger's handlers (the capture, then its webhook, then the postings)."""
    for _ in range(5):
        deliver_due_webhooks(now=timezone.now() + timedelta(days=1))
        refunds_due()
        while outbox_deliver_batch(HANDLERS, batch=500).claimed:
            pass


class Books(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.storefront = make_storefront()
        CommissionPlan.objects.create(
            storefront=self.storefront, rate_bp=1234, fixed_fee_minor=7, on_shipping=True
        )
        self.sellers, self.offers, self.owners = [], [], {}
        for kind in ("per_item", "flat"):
            seller = make_seller(storefronts=[self.storefront])
            ShippingProfile.objects.create(seller=seller, kind=kind, base_minor=349, per_item_minor=99)
            owner = make_user()
            seller_member_add(seller=seller, user=owner, role=SellerMember.Role.OWNER)
            self.owners[seller.pk] = owner
            self.sellers.append(seller)
            self.offers.append(make_offer(seller=seller, variant=make_variant(), price_minor=1999, stock=99))
        CommissionOverride.objects.create(storefront=self.storefront, seller=self.sellers[1], rate_bp=555)
        self.customer = make_user()
        self.payments: list[int] = []
        self.runs = 0
        self.paid_runs = 0
        self.payout_dir = Path(tempfile.mkdtemp())

    @initialize()
    def a_first_order(self) -> None:
        """Every example starts with an order, so short examples reach deliveries and payouts."""
        self.place_an_order(quantities=(1, 1))

    @rule(quantities=st.tuples(st.integers(0, 3), st.integers(0, 2)).filter(any))
    def place_an_order(self, quantities) -> None:
        cart = None
        for offer, quantity in zip(self.offers, quantities, strict=True):
            if quantity:
                cart = cart_add(
                    storefront=self.storefront, cart=cart, customer=self.customer, offer_id=offer.pk,
                    quantity=quantity,
                )  # fmt: skip
        outcome = checkout_place_order(
            storefront=self.storefront, cart=cart, customer=self.customer, address=ADDRESS,
            payment_method=SUCCESS, idempotency_key=secrets.token_urlsafe(16), return_url="http://t/r/",
        )  # fmt: skip
        assert outcome.order is not None
        self.payments.append(outcome.order.payment_id)
        settle()

    @rule(pick=st.integers(0, 50))
    def a_seller_refuses(self, pick: int) -> None:
        parts = list(
            SellerOrder.objects.filter(order__payment_id__in=self.payments, status="new").order_by("pk")
        )
        if parts:
            part = parts[pick % len(parts)]
            seller_order_refuse(seller_order_id=part.pk, acting_user=self.owners[part.seller_id], reason="no")
        settle()

    @rule(pick=st.integers(0, 50), share=st.sampled_from([1, 3, 10, 100]))
    def the_operator_refunds(self, pick: int, share: int) -> None:
        """Refund part (1 %, 3 %, 10 %) or all (100 %) of what is left on a payment."""
        if self.payments:
            payment = Payment.objects.get(pk=self.payments[pick % len(self.payments)])
            left = payment_refundable(payment=payment) if payment.status == "captured" else None
            if left and left.amount_minor > 0:
                amount = max(1, left.amount_minor * share // 100)
                with contextlib.suppress(DomainError):
                    payment_refund(
                        payment_id=payment.pk, amount=Money(amount, payment.currency),
                        idempotency_key=secrets.token_urlsafe(16), reason="goodwill",
                    )  # fmt: skip
        settle()

    @rule(pick=st.integers(0, 50))
    def a_seller_delivers(self, pick: int) -> None:
        parts = list(
            SellerOrder.objects.filter(order__payment_id__in=self.payments, status="new").order_by("pk")
        )
        if parts:
            part = parts[pick % len(parts)]
            deliver(part, self.owners[part.seller_id])
        settle()

    @rule()
    def the_withdrawal_period_ends(self) -> None:
        seller_orders_make_available(now=timezone.now() + timedelta(days=15))

    @rule(reserve_bp=st.sampled_from([0, 1000]), wait=st.booleans())
    def a_payout_run(self, reserve_bp: int, wait: bool) -> None:
        """A payout run, often after the withdrawal period of what was delivered has ended (so
        that runs pay something in short examples)."""
        if wait:
            self.the_withdrawal_period_ends()
        self.runs += 1
        with override_settings(GALERIE_PAYOUT_RESERVE_BP=reserve_bp, GALERIE_PAYOUT_DIR=self.payout_dir):
            # Runs of every example share the database: each run gets a day of its own, in the days
            # to come (a day that was already run would answer "already completed").
            now = timezone.now() + timedelta(days=next(RUN_DAYS))
            result = payouts_run(run_date=timezone.localdate(now), now=now)
        self.paid_runs += bool(result.payouts)
        PAID_RUNS.append(bool(result.payouts))

    @rule()
    def deliver_again(self) -> None:
        settle()

    @invariant()
    def every_entry_balances_and_the_trial_balance_is_zero(self) -> None:
        assert unbalanced_entry_ids() == []
        totals: dict[str, int] = defaultdict(int)
        for row in trial_balance():
            totals[row["currency"]] += row["balance_minor"]
        assert all(total == 0 for total in totals.values())

    @invariant()
    def every_captured_cent_is_owed_to_a_seller_kept_as_commission_or_refunded(self) -> None:
        b = balances_by_kind(currency="EUR")
        held = -sum(b.get(k, 0) for k in HELD)
        refunds = (
            JournalLine.objects.filter(
                entry__kind=JournalEntry.Kind.REFUND, account__kind=AccountKind.GATEWAY_RECEIVABLE
            ).aggregate(s=Sum("credit_minor"))["s"]
            or 0
        )
        payments = Payment.objects.filter(currency="EUR")
        captured = payments.aggregate(s=Sum("captured_minor"))["s"] or 0
        fees = payments.aggregate(s=Sum("fee_minor"))["s"] or 0
        succeeded = Refund.objects.filter(status="succeeded", currency="EUR").aggregate(s=Sum("amount_minor"))
        assert held + refunds == captured
        assert refunds == (succeeded["s"] or 0)
        # The gateway keeps its fees out of what it settles: they are an expense of the operator.
        assert b.get(AccountKind.GATEWAY_RECEIVABLE, 0) == captured - refunds - fees
        assert b.get(AccountKind.PAYMENT_FEES, 0) == fees
        owing = SellerOrder.objects.filter(status__in=["refused", "cancelled"]).exclude(
            refunded_minor=F("total_minor")
        )
        if not owing.exists() and not Refund.objects.filter(status="pending").exists():
            # Nothing waits for a refund: clearing is empty, all is with sellers or the operator.
            assert b.get(AccountKind.CUSTOMER_CLEARING, 0) == 0
        for row in trial_balance():
            if row["kind"] in (AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE):
                assert row["balance_minor"] <= 0  # the operator owes sellers, never the reverse
            if row["kind"] == AccountKind.SELLER_DEBT:
                assert row["balance_minor"] >= 0  # what a seller owes is a debt, explicitly
        # Σ payouts + Σ commissions (VAT included) + Σ refunds + what is still held = Σ captured
        paid = Payout.objects.aggregate(s=Sum("amount_minor"))["s"] or 0
        assert paid == -b.get(AccountKind.PAYOUTS_IN_TRANSIT, 0)
        commissions = -(b.get(AccountKind.COMMISSION_REVENUE, 0) + b.get(AccountKind.COMMISSION_VAT, 0))
        still_held = -sum(
            b.get(k, 0)
            for k in (
                AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE, AccountKind.SELLER_DEBT,
                AccountKind.CUSTOMER_CLEARING,
            )
        )  # fmt: skip
        assert paid + commissions + refunds + still_held == captured


PAID_RUNS: list[bool] = []
RUN_DAYS = itertools.count(1)


def test_random_orders_refusals_and_refunds_keep_the_books_exact():
    """Random interleavings; whether one of them reaches a paid payout is left to chance here: the
    next test takes the whole path to a paid payout every time, with the same invariants."""
    PAID_RUNS.clear()
    run_state_machine_as_test(
        Books, settings=settings(max_examples=40, stateful_step_count=10, deadline=None, database=None)
    )


def test_the_full_path_to_a_paid_payout_keeps_the_books_exact():
    """Deterministic companion of the random test: order, refuse, refund, deliver, wait, pay, then
    refund after the payout (a seller debt), and a second run; the invariants hold at every step."""
    PAID_RUNS.clear()
    books = Books()

    def step(rule, **arguments) -> None:
        rule(**arguments)
        books.every_entry_balances_and_the_trial_balance_is_zero()
        books.every_captured_cent_is_owed_to_a_seller_kept_as_commission_or_refunded()

    step(books.a_first_order)
    step(books.place_an_order, quantities=(2, 1))
    step(books.a_seller_refuses, pick=0)  # the first order's first part
    step(books.the_operator_refunds, pick=1, share=10)
    step(books.a_seller_delivers, pick=0)
    step(books.a_seller_delivers, pick=0)
    step(books.a_payout_run, reserve_bp=1000, wait=True)
    assert PAID_RUNS == [True]
    assert Payout.objects.filter(amount_minor__gt=0).exists()
    step(books.the_operator_refunds, pick=1, share=100)  # after the payout: the seller owes it back
    assert any(
        seller_position(seller_id=s.pk, currency="EUR")["debt"] > 0 for s in books.sellers
    )  # the refund took back more than a paid seller still held
    step(books.place_an_order, quantities=(1, 2))
    while SellerOrder.objects.filter(order__payment_id__in=books.payments, status="new").exists():
        step(books.a_seller_delivers, pick=0)
    step(books.a_payout_run, reserve_bp=0, wait=True)
    assert PAID_RUNS == [True, True]
    assert Payout.objects.filter(debt_netted_minor__gt=0).exists()  # the debt netted on the next payout
    assert all(seller_position(seller_id=s.pk, currency="EUR")["debt"] == 0 for s in books.sellers)


def test_an_order_is_allocated_then_a_refused_part_is_reversed_and_refunded(shop):
    CommissionPlan.objects.create(storefront=shop.storefront, rate_bp=1000)
    owner = make_user()
    seller_member_add(seller=shop.seller_b, user=owner, role=SellerMember.Role.OWNER)
    order = checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=secrets.token_urlsafe(16), return_url="http://t/r/",
    ).order  # fmt: skip
    settle()
    settle()  # delivering again posts nothing more
    kinds = list(JournalEntry.objects.values_list("kind", flat=True))
    assert kinds == ["capture", "payment_fee", "allocation"]
    fee = Payment.objects.get(pk=order.payment_id).fee_minor
    assert (order.total_minor, fee) == (9518, 143 + 25)  # the default fee: 1.5 % of 95.18, plus 0.25
    part_a = order.seller_orders.get(seller=shop.seller_a)
    part_b = order.seller_orders.get(seller=shop.seller_b)
    # A: 10 % of 2 × 19.90 = 3.98, VAT 0.80; B: 10 % of 45.00 = 4.50, VAT 0.90 (shipping not commissioned)
    b = balances_by_kind(currency="EUR")
    assert b[AccountKind.GATEWAY_RECEIVABLE] == order.total_minor - fee
    assert b[AccountKind.PAYMENT_FEES] == fee
    assert b[AccountKind.COMMISSION_REVENUE] == -(398 + 450)
    assert b[AccountKind.COMMISSION_VAT] == -(80 + 90)
    assert b[AccountKind.CUSTOMER_CLEARING] == 0
    seller_order_refuse(seller_order_id=part_b.pk, acting_user=owner, reason="out of stock")
    settle()
    assert list(JournalEntry.objects.values_list("kind", flat=True)) == [
        "capture", "payment_fee", "allocation", "seller_order_reversal", "refund",
    ]  # fmt: skip
    b = balances_by_kind(currency="EUR")
    assert b[AccountKind.GATEWAY_RECEIVABLE] == part_a.total_minor - fee  # the fee is not given back
    assert (b[AccountKind.COMMISSION_REVENUE], b[AccountKind.COMMISSION_VAT]) == (-398, -80)
    assert b[AccountKind.CUSTOMER_CLEARING] == 0
    assert b[AccountKind.SELLER_PAYABLE] == -(part_a.total_minor - 398 - 80)
