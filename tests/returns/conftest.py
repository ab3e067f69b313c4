"""An order of two professional sellers, paid, captured and posted to the ledger; helpers to
ship and deliver a part at a written date, and to run the worker's handlers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from galerie.checkout.handlers import HANDLERS as CHECKOUT_HANDLERS
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import outbox_deliver_batch
from galerie.ledger.handlers import HANDLERS as LEDGER_HANDLERS
from galerie.ledger.models import CommissionPlan
from galerie.orders.delivery import seller_order_deliver_from_carrier
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_ship
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from galerie.returns.handlers import HANDLERS as RETURN_HANDLERS
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_user

HANDLERS = {
    **LEDGER_HANDLERS,
    "order.placed": [*CHECKOUT_HANDLERS["order.placed"], *LEDGER_HANDLERS["order.placed"]],
}


def settle(*, emails: bool = False) -> None:
    """Deliver the gateway's webhooks and run the checkout's and ledger's handlers (and, with
    ``emails``, this app's e-mails) until nothing is left."""
    handlers = {**HANDLERS, **RETURN_HANDLERS} if emails else HANDLERS
    for _ in range(4):
        deliver_due_webhooks(now=timezone.now() + timedelta(days=1))
        while outbox_deliver_batch(handlers, batch=500).claimed:
            pass


def at(text: str) -> datetime:
    """A written date and time in the site's time zone: ``at("2026-03-02 14:05")``."""
    return timezone.make_aware(datetime.fromisoformat(text))


def deliver(part: SellerOrder, owner, when: datetime, tracking: str | None = None) -> SellerOrder:
    """Accept ``part``, ship it in one parcel two days before ``when``, then have the carrier
    scan it delivered at ``when``."""
    tracking = tracking or f"T{part.pk}X"
    seller_order_accept(seller_order_id=part.pk, acting_user=owner)
    seller_order_ship(
        seller_order_id=part.pk,
        acting_user=owner,
        carrier="Colissimo",
        tracking_number=tracking,
        now=when - timedelta(days=2),
    )
    seller_order_deliver_from_carrier(
        carrier="Colissimo", tracking_number=tracking, delivered_at=when, now=when
    )
    part.refresh_from_db()
    return part


@pytest.fixture
def placed(shop):
    CommissionPlan.objects.create(
        storefront=shop.storefront, rate_bp=1500, fixed_fee_minor=0, on_shipping=True
    )
    outcome = checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
    )  # fmt: skip
    shop.order = outcome.order
    settle()
    shop.owner_a, shop.owner_b = make_user(), make_user()
    seller_member_add(seller=shop.seller_a, user=shop.owner_a, role=SellerMember.Role.OWNER)
    seller_member_add(seller=shop.seller_b, user=shop.owner_b, role=SellerMember.Role.OWNER)
    shop.part_a = shop.order.seller_orders.get(seller=shop.seller_a)
    shop.part_b = shop.order.seller_orders.get(seller=shop.seller_b)
    return shop
