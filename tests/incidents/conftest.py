"""An order of two sellers, captured and posted to the ledger, seller A's part shipped."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from galerie.accounts.models import User
from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.models import OutboxEvent
from galerie.ledger.handlers import HANDLERS as LEDGER_HANDLERS
from galerie.orders.models import Order, SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_ship
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from galerie.sellers.models import ShippingProfile
from tests.checkout.conftest import ADDRESS, SUCCESS, capture_placed_orders, new_key
from tests.factories import (
    make_offer,
    make_seller,
    make_staff_member,
    make_storefront,
    make_user,
    make_variant,
)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def settle() -> None:
    """Do what the worker does for payments: captures, webhooks, and the ledger's postings."""
    capture_placed_orders()
    deliver_due_webhooks(now=timezone.now() + timedelta(hours=1))
    for event in OutboxEvent.objects.filter(topic__in=list(LEDGER_HANDLERS)).order_by("id"):
        for handler in LEDGER_HANDLERS[event.topic]:
            handler(event)


@dataclass
class Sale:
    order: Order
    part_a: SellerOrder
    part_b: SellerOrder
    customer: User
    owner_a: User
    owner_b: User
    storefront: Any


def make_sale() -> Sale:
    storefront = make_storefront()
    seller_a, seller_b = make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront])
    for seller in (seller_a, seller_b):
        ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=500)
    book = make_offer(seller=seller_a, variant=make_variant(), price_minor=2000, stock=5)
    lamp = make_offer(seller=seller_b, variant=make_variant(), price_minor=4500, stock=3)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=book.pk, quantity=2)
    cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=lamp.pk, quantity=1)
    order = checkout_place_order(
        storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
        idempotency_key=new_key(), return_url="http://testserver/r/",
    ).order  # fmt: skip
    owner_a, owner_b = make_staff_member(seller_a), make_staff_member(seller_b)
    settle()
    part_a = order.seller_orders.get(seller=seller_a)
    seller_order_accept(seller_order_id=part_a.pk, acting_user=owner_a)
    seller_order_ship(
        seller_order_id=part_a.pk, acting_user=owner_a, carrier="La Poste", tracking_number="T1"
    )
    part_a.refresh_from_db()
    return Sale(
        order, part_a, order.seller_orders.get(seller=seller_b), customer, owner_a, owner_b, storefront
    )


@pytest.fixture
def sale(db) -> Sale:
    return make_sale()


@pytest.fixture
def operator(db) -> User:
    return make_user(is_staff=True, email="operator@example.test")
