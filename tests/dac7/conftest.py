"""A small marketplace whose sales are dated: orders placed, refused and refunded at given times."""

from __future__ import annotations

import contextlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.money import Money
from galerie.ledger.models import AccountKind, CommissionPlan, JournalEntry
from galerie.ledger.services import AccountRef, credit, debit, entry_post
from galerie.orders.models import Order
from galerie.payments.models import Payment
from galerie.payments.services import payment_refund
from galerie.sellers.models import Seller
from tests.checkout.conftest import ADDRESS, SUCCESS
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant
from tests.ledger.test_properties import settle


@contextlib.contextmanager
def at(moment: datetime):
    """Run with the clock at ``moment`` (moving on from it): what is posted or placed is dated so."""
    start = time.monotonic()
    with mock.patch(
        "django.utils.timezone.now", new=lambda: moment + timedelta(seconds=time.monotonic() - start)
    ):
        yield


def local(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


@dataclass
class Market:
    storefront: object
    sellers: list[Seller]
    offers: dict[int, object] = field(default_factory=dict)
    customer: object = None

    def buy(self, seller: Seller, when: datetime, quantity: int = 1) -> Order:
        with at(when):
            cart = cart_add(
                storefront=self.storefront, cart=None, customer=self.customer,
                offer_id=self.offers[seller.pk].pk, quantity=quantity,
            )  # fmt: skip
            outcome = checkout_place_order(
                storefront=self.storefront, cart=cart, customer=self.customer, address=ADDRESS,
                payment_method=SUCCESS, idempotency_key=secrets.token_urlsafe(16), return_url="http://t/r/",
            )  # fmt: skip
            assert outcome.order is not None
            settle()
        return outcome.order

    def refund(self, order: Order, amount_minor: int, when: datetime) -> None:
        with at(when):
            payment_refund(
                payment_id=order.payment_id, amount=Money(amount_minor, "EUR"),
                idempotency_key=secrets.token_urlsafe(16), reason="goodwill",
            )  # fmt: skip
            settle()


@pytest.fixture
def market(db) -> Market:
    """Two sellers (a company and a private person) at 10 % commission, offers at 20.00 €."""
    storefront = make_storefront()
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000)
    sellers = [make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront], kind="private")]
    market = Market(storefront=storefront, sellers=sellers, customer=make_user())
    for seller in sellers:
        market.offers[seller.pk] = make_offer(
            seller=seller, variant=make_variant(), price_minor=2000, stock=999
        )
    return market


def sale(seller_id: int, amount_minor: int, when: datetime) -> None:
    """Post an allocation of ``amount_minor`` to the seller at ``when`` (a sale without an order)."""
    with at(when):
        entry_post(
            idempotency_key=f"test-sale:{uuid.uuid4().hex}",
            kind=JournalEntry.Kind.ALLOCATION,
            description="test sale",
            postings=[
                debit(AccountRef(AccountKind.CUSTOMER_CLEARING, "EUR"), amount_minor),
                credit(AccountRef(AccountKind.SELLER_PAYABLE, "EUR", seller_id), amount_minor),
            ],
        )


def payment_of(order: Order) -> Payment:
    return Payment.objects.get(pk=order.payment_id)
