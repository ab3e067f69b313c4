"""Any sequence of partial withdrawals, refunds with depreciations, seller refusals and operator
overrules: the customer never gets back more than paid per seller order nor in total, the
ledger balances, a withdrawn part not yet refunded stays off the seller's balances, and
commission is reversed in proportion to what is refunded of the part (docs/withdrawal-and-returns.md)."""

from __future__ import annotations

import contextlib
import secrets
from collections import defaultdict

import pytest
from django.db.models import Sum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.errors import DomainError
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import AccountKind, CommissionPlan
from galerie.ledger.selectors import owed_by_kind, trial_balance, unbalanced_entry_ids
from galerie.orders.models import SellerOrder
from galerie.payments.models import Refund
from galerie.returns.models import Return
from galerie.returns.services import return_overrule, return_refund, return_refuse, withdrawal_declare
from galerie.sellers.models import SellerMember, ShippingProfile
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import ADDRESS, SUCCESS
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant
from tests.returns.conftest import at, deliver, settle

pytestmark = pytest.mark.django_db(transaction=True)
K = AccountKind
SELLER = (K.SELLER_PAYABLE, K.SELLER_AVAILABLE, K.SELLER_DEBT)
OPEN_HOLDING = (Return.Status.REQUESTED, Return.Status.INSTRUCTED, Return.Status.RECEIVED)
DELIVERED = at("2026-03-02 14:05")
SEEN: set[str] = set()  # the return statuses the examples reached


class Withdrawals(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        storefront = make_storefront()
        CommissionPlan.objects.create(
            storefront=storefront, rate_bp=1234, fixed_fee_minor=7, on_shipping=True
        )
        self.customer = make_user()
        self.operator = make_user(is_staff=True)
        self.owners: dict[int, object] = {}
        cart = None
        for kind, prices in (("per_item", (1999, 505)), ("flat", (4500,))):
            seller = make_seller(storefronts=[storefront])
            ShippingProfile.objects.create(seller=seller, kind=kind, base_minor=349, per_item_minor=99)
            owner = make_user()
            seller_member_add(seller=seller, user=owner, role=SellerMember.Role.OWNER)
            self.owners[seller.pk] = owner
            for price in prices:
                offer = make_offer(seller=seller, variant=make_variant(), price_minor=price, stock=9)
                cart = cart_add(
                    storefront=storefront, cart=cart, customer=self.customer, offer_id=offer.pk, quantity=3
                )
        self.order = checkout_place_order(
            storefront=storefront, cart=cart, customer=self.customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key=secrets.token_urlsafe(16), return_url="http://t/r/",
        ).order  # fmt: skip
        assert self.order is not None
        settle()
        self.parts = list(self.order.seller_orders.order_by("pk"))
        self.charged = {}
        for part in self.parts:
            deliver(part, self.owners[part.seller_id], DELIVERED)
            owed = owed_by_kind(payment_id=self.order.payment_id, seller_order_id=part.pk)
            self.charged[part.pk] = (owed[K.COMMISSION_REVENUE], owed[K.COMMISSION_VAT])
        self.day = 3

    @initialize()
    def nothing(self) -> None:
        pass

    def _now(self):
        return at(f"2026-03-{min(self.day, 16):02d} 10:00")

    @rule(pick=st.integers(0, 9), qty=st.integers(1, 3))
    def the_customer_withdraws(self, pick: int, qty: int) -> None:
        part = self.parts[pick % len(self.parts)]
        lines = list(part.lines.order_by("pk"))
        line = lines[pick % len(lines)]
        with contextlib.suppress(DomainError):
            withdrawal_declare(
                seller_order_id=part.pk, customer=self.customer, quantities={line.pk: qty}, now=self._now()
            )

    def _open(self, pick: int, statuses) -> Return | None:
        rets = list(Return.objects.filter(seller_order__order=self.order, status__in=statuses).order_by("pk"))
        return rets[pick % len(rets)] if rets else None

    @rule(pick=st.integers(0, 9), share=st.sampled_from([0, 1, 37, 100]))
    def the_seller_refunds(self, pick: int, share: int) -> None:
        ret = self._open(pick, OPEN_HOLDING)
        if ret:
            owner = self.owners[ret.seller_order.seller_id]
            return_refund(
                return_id=ret.pk, acting_user=owner,
                depreciation_minor=ret.items_minor * share // 100, depreciation_reason="worn",
            )  # fmt: skip
        settle()

    @rule(pick=st.integers(0, 9))
    def the_seller_refuses(self, pick: int) -> None:
        ret = self._open(pick, OPEN_HOLDING)
        if ret:
            return_refuse(return_id=ret.pk, acting_user=self.owners[ret.seller_order.seller_id], reason="no")

    @rule(pick=st.integers(0, 9))
    def the_operator_overrules(self, pick: int) -> None:
        ret = self._open(pick, (Return.Status.REFUSED,))
        if ret:
            with contextlib.suppress(DomainError):
                return_overrule(return_id=ret.pk, operator=self.operator)
            settle()

    @rule(days=st.integers(1, 6))
    def time_passes(self, days: int) -> None:
        self.day += days
        if self.day > 16:
            seller_orders_make_available(now=at("2026-03-17 00:00"))

    @invariant()
    def the_books_balance(self) -> None:
        assert unbalanced_entry_ids() == []
        totals: dict[str, int] = defaultdict(int)
        for row in trial_balance():
            totals[row["currency"]] += row["balance_minor"]
        assert all(t == 0 for t in totals.values())

    @invariant()
    def never_more_back_than_paid_and_each_part_adds_up(self) -> None:
        settle()
        refunds = Refund.objects.filter(payment_id=self.order.payment_id, status="succeeded")
        total_back = refunds.aggregate(s=Sum("amount_minor"))["s"] or 0
        assert total_back <= self.order.total_minor
        for part in SellerOrder.objects.filter(order=self.order):
            back = (
                refunds.filter(idempotency_key__startswith=f"seller-order-{part.uuid.hex}-").aggregate(
                    s=Sum("amount_minor")
                )["s"]
                or 0
            )
            assert back <= part.refunded_minor <= part.total_minor
            owed = owed_by_kind(payment_id=self.order.payment_id, seller_order_id=part.pk)
            seller = sum(owed.get(k, 0) for k in SELLER)
            kept = seller + owed.get(K.COMMISSION_REVENUE, 0) + owed.get(K.COMMISSION_VAT, 0)
            SEEN.update(Return.objects.filter(seller_order=part).values_list("status", flat=True))
            held = sum(
                sum(r.held_minor.values())
                for r in Return.objects.filter(seller_order=part, status__in=OPEN_HOLDING)
            )
            # What a withdrawal declared and not yet refunded or closed holds is in the part's
            # clearing, never on the seller's payable or available balance.
            assert owed.get(K.CUSTOMER_CLEARING, 0) == held
            assert kept + held + back == part.total_minor
            # Commission and its VAT: reversed in proportion to what was refunded of the part;
            # each hold, release and refund rounds once (largest remainder), so at most a cent
            # each per return.
            commission, vat = self.charged[part.pk]
            returns = Return.objects.filter(seller_order=part).count()
            expected_kept = (part.total_minor - back - held) / part.total_minor
            assert abs(owed.get(K.COMMISSION_REVENUE, 0) - commission * expected_kept) <= 2 * returns + 1
            assert abs(owed.get(K.COMMISSION_VAT, 0) - vat * expected_kept) <= 2 * returns + 1


def test_withdrawals_and_refunds_keep_every_amount_within_what_was_paid():
    run_state_machine_as_test(
        Withdrawals, settings=settings(max_examples=12, stateful_step_count=10, deadline=None)
    )
    # The examples did reach declarations and refunds (refusals and overrules: most runs).
    assert {"requested", "refunded"} <= SEEN
