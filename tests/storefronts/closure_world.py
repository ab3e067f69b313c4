"""A marketplace for the closure tests: the storefront that closes (French) and another one, two
sellers (one also selling on the other storefront), orders made by checking out, and the worker's
work run by hand (docs/storefront-closure.md)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import handlers_autodiscover, outbox_deliver_batch
from galerie.offers.models import Offer
from galerie.orders.models import Order, SellerOrder
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from galerie.sellers.models import Seller, SellerMember, ShippingProfile
from galerie.sellers.services import seller_member_add
from galerie.storefronts.models import Storefront
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)

SUCCESS = {
    "type": "card",
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2031,
    "cvc": "123",
    "holder": "A B",
}
ADDRESS = {
    "name": "Alice Martin",
    "line1": "3 rue des Lilas",
    "postal_code": "69003",
    "city": "Lyon",
    "country": "FR",
}


@dataclass
class World:
    closing: Storefront  # the one that closes
    other: Storefront  # untouched
    seller_a: Seller  # sells on both
    seller_b: Seller  # only on the closing one
    owner_a: object
    owner_b: object
    manager_b: object
    clerk_b: object
    book: Offer  # seller A, on both storefronts (the catalog is shared)
    lamp: Offer  # seller B
    customers: list = field(default_factory=list)


def make_world() -> World:
    books, lamps = make_category("Livres"), make_category("Lampes")
    closing = make_storefront(code="alapage", name="Alapage", scope=[books, lamps], default_language="fr")
    other = make_storefront(code="clust", name="Clust", scope=[books], default_language="fr")
    seller_a = make_seller(storefronts=[closing, other])
    seller_b = make_seller(storefronts=[closing])
    for seller in (seller_a, seller_b):
        ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=500)
    owner_a, owner_b, manager_b, clerk_b = make_user(), make_user(), make_user(), make_user()
    seller_member_add(seller=seller_a, user=owner_a, role=SellerMember.Role.OWNER)
    seller_member_add(seller=seller_b, user=owner_b, role=SellerMember.Role.OWNER)
    seller_member_add(seller=seller_b, user=manager_b, role=SellerMember.Role.MANAGER)
    seller_member_add(seller=seller_b, user=clerk_b, role=SellerMember.Role.SHIPPING_CLERK)
    book = make_offer(
        seller=seller_a,
        variant=make_variant(
            product=make_product(category=books, title="Vingt mille lieues", slug="vingt-mille")
        ),
        price_minor=2000,
        stock=50,
    )
    lamp = make_offer(
        seller=seller_b,
        variant=make_variant(product=make_product(category=lamps, title="Lampe Tiffany", slug="lampe")),
        price_minor=4500,
        stock=50,
    )
    return World(closing, other, seller_a, seller_b, owner_a, owner_b, manager_b, clerk_b, book, lamp)


def place(storefront: Storefront, *offers: Offer, customer=None) -> Order:
    """Check out one of each offer on the storefront, for a new customer (or this one)."""
    customer = customer or make_user()
    cart = None
    for offer in offers:
        cart = cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk, quantity=1)
    outcome = checkout_place_order(
        storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
        idempotency_key=secrets.token_urlsafe(24), return_url="http://testserver/r/",
    )  # fmt: skip
    assert outcome.status == "completed", outcome
    return outcome.order


def work(now: datetime | None = None, *, webhooks: bool = True) -> None:
    """What the worker does: deliver the outbox events (capture, ledger, e-mails, index) and,
    with ``webhooks``, the gateway's webhooks due by ``now`` (an hour ahead: none is late), until
    nothing is left."""
    handlers = handlers_autodiscover()
    for _ in range(20):
        claimed = outbox_deliver_batch(handlers, batch=500).claimed
        sent = deliver_due_webhooks(now=(now or timezone.now()) + timedelta(hours=1)) if webhooks else 0
        if not claimed and not sent:
            return


def part(order: Order, seller: Seller) -> SellerOrder:
    return order.seller_orders.get(seller=seller)


def noon(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))
