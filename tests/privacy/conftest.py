"""A customer with something in every table that holds a customer's data: two delivered seller
orders, a review, messages, a closed incident with a photo, a refused defect claim, a cart,
an e-mail sent to them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from galerie.accounts.models import User
from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.incidents.models import Incident
from galerie.incidents.services import incident_open
from galerie.messaging.services import message_post
from galerie.notifications.models import SentEmail
from galerie.orders.models import Order
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship
from galerie.returns.models import Return
from galerie.returns.services import defect_declare
from galerie.reviews.services import review_create
from galerie.sellers.models import ShippingProfile
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.checkout.conftest import SUCCESS, new_key
from tests.factories import (
    make_offer,
    make_seller,
    make_staff_member,
    make_storefront,
    make_user,
    make_variant,
)
from tests.incidents.conftest import png, settle

NAME, EMAIL, PHONE = "Ann Privacy-Test", "ann.privacy@example.test", "+33612345678"
STREET, STREET2, CITY = "17 impasse des Glycines", "Bâtiment Quatorze", "Villeurbanne"
ADDRESS = {
    "name": NAME,
    "line1": STREET,
    "line2": STREET2,
    "postal_code": "69100",
    "city": CITY,
    "country": "FR",
    "phone": PHONE,
}
ORIGINALS = (EMAIL, NAME, PHONE, STREET, STREET2, "Ann P.", "Glycines")


@dataclass
class World:
    customer: User
    order: Order
    storefront: Any
    owner_a: User
    other: User


def make_world(*, language: str = "en") -> World:
    storefront = make_storefront(default_language=language)
    seller_a, seller_b = make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront])
    for seller in (seller_a, seller_b):
        ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=500)
    book = make_offer(seller=seller_a, variant=make_variant(), price_minor=2000, stock=5)
    lamp = make_offer(seller=seller_b, variant=make_variant(), price_minor=4500, stock=3)
    customer = make_user(email=EMAIL, full_name=NAME, password="s3cret-Passw0rd")
    other = make_user(email="bob.other@example.test", full_name="Bob Other")
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=book.pk, quantity=1)
    cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=lamp.pk, quantity=1)
    order = checkout_place_order(
        storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
        idempotency_key=new_key(), return_url="http://testserver/r/",
    ).order  # fmt: skip
    settle()
    owner_a, owner_b = make_staff_member(seller_a), make_staff_member(seller_b)
    for part, owner in (
        (order.seller_orders.get(seller=seller_a), owner_a),
        (order.seller_orders.get(seller=seller_b), owner_b),
    ):
        seller_order_accept(seller_order_id=part.pk, acting_user=owner)
        seller_order_ship(
            seller_order_id=part.pk, acting_user=owner, carrier="La Poste", tracking_number=f"T{part.pk}"
        )
        seller_order_deliver(seller_order_id=part.pk, acting_user=owner)
    part_a = order.seller_orders.get(seller=seller_a)
    review_create(customer=customer, order_line_id=part_a.lines.get().pk, product_stars=5, seller_stars=4,
                  title="Parfait", text="Livré vite.")  # fmt: skip
    message_post(seller_order_id=part_a.pk, party="customer", by=customer, body=f"I live at {STREET}, merci")
    message_post(seller_order_id=part_a.pk, party="seller", by=owner_a, body="Bien reçu.")
    incident = incident_open(seller_order_id=part_a.pk, customer=customer, kind="damaged",
                             description=f"Broken; call me at {PHONE}", photos=[png()])  # fmt: skip
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    ret = defect_declare(seller_order_id=part_a.pk, customer=customer, quantities={part_a.lines.get().pk: 1},
                         description=f"{NAME} says the spine is torn")  # fmt: skip
    Return.objects.filter(pk=ret.pk).update(status=Return.Status.REFUSED)
    cart_add(storefront=storefront, cart=None, customer=customer, offer_id=book.pk, quantity=1)
    endpoint = WebhookEndpoint.objects.create(
        seller=seller_a, url="https://seller.example.test/hook", secret="whsec_x", event_types=["*"]
    )
    body = {"type": "seller_order.delivered", "data": {"number": part_a.number, "shipping_address": ADDRESS}}
    WebhookDelivery.objects.create(
        endpoint=endpoint, event_uuid=uuid.uuid4(), event_type="seller_order.delivered",
        body=json.dumps(body), status="delivered", next_attempt_at=timezone.now(),
    )  # fmt: skip
    SentEmail.objects.create(
        event_uuid=uuid.uuid4(), kind="order_placed", recipient=EMAIL, subject="Your order"
    )
    return World(customer, order, storefront, owner_a, other)


@pytest.fixture
def world(transactional_db) -> World:
    return make_world()
