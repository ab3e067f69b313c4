"""A storefront with two sellers selling three offers, a customer and a cart holding two of them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from galerie.cart.models import Cart
from galerie.cart.services import cart_add
from galerie.offers.models import Offer
from galerie.sellers.models import Seller, ShippingProfile
from galerie.storefronts.models import Storefront
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant

SUCCESS = {
    "type": "card",
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2031,
    "cvc": "123",
    "holder": "A B",
}
DECLINE = {**SUCCESS, "number": "4000000000000002"}
NO_FUNDS = {**SUCCESS, "number": "4000000000009995"}
CONFIRM = {**SUCCESS, "number": "4000000000003220"}
ADDRESS = {
    "name": "Alice Martin",
    "line1": "3 rue des Lilas",
    "postal_code": "69003",
    "city": "Lyon",
    "country": "FR",
}


@dataclass
class Shop:
    storefront: Storefront
    seller_a: Seller
    seller_b: Seller
    book: Offer  # seller A
    record: Offer  # seller A
    lamp: Offer  # seller B
    customer: object
    cart: Cart


def new_key() -> str:
    return secrets.token_urlsafe(24)


def capture_placed_orders() -> None:
    """Do what the worker does on ``order.placed`` (checkout/handlers.py): ask the gateway to
    capture each placed order's payment. Marks no event delivered: the other apps' handlers
    still see them."""
    from galerie.checkout.handlers import order_placed
    from galerie.core.models import OutboxEvent

    for event in OutboxEvent.objects.filter(topic="order.placed").order_by("id"):
        order_placed(event)


@pytest.fixture
def shop(db) -> Shop:
    storefront = make_storefront()
    seller_a = make_seller(storefronts=[storefront])
    seller_b = make_seller(storefronts=[storefront])
    ShippingProfile.objects.create(seller=seller_a, kind="per_item", base_minor=349, per_item_minor=99)
    ShippingProfile.objects.create(seller=seller_b, kind="flat", base_minor=590, free_above_minor=5000)
    book = make_offer(seller=seller_a, variant=make_variant(), price_minor=1990, stock=5)
    record = make_offer(seller=seller_a, variant=make_variant(), price_minor=2490, stock=2)
    lamp = make_offer(seller=seller_b, variant=make_variant(), price_minor=4500, stock=3)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=book.pk, quantity=2)
    cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=lamp.pk, quantity=1)
    return Shop(storefront, seller_a, seller_b, book, record, lamp, customer, cart)
