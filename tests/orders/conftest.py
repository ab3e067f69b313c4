"""The checkout tests' shop, reused: orders are made by checking out; ``placed``: one order with
a part for each of two sellers, their owners and a shipping clerk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.checkout.services import checkout_place_order
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.checkout.conftest import ADDRESS, SUCCESS, capture_placed_orders, new_key
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_user


def deliver_webhooks() -> None:
    capture_placed_orders()  # the worker's capture on order.placed
    deliver_due_webhooks(now=timezone.now() + timedelta(hours=1))


@pytest.fixture
def placed(shop):
    outcome = checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
    )  # fmt: skip
    shop.order = outcome.order
    shop.owner_a, shop.owner_b, shop.clerk_a = make_user(), make_user(), make_user()
    seller_member_add(seller=shop.seller_a, user=shop.owner_a, role=SellerMember.Role.OWNER)
    seller_member_add(seller=shop.seller_b, user=shop.owner_b, role=SellerMember.Role.OWNER)
    seller_member_add(seller=shop.seller_a, user=shop.clerk_a, role=SellerMember.Role.SHIPPING_CLERK)
    shop.part_a = shop.order.seller_orders.get(seller=shop.seller_a)
    shop.part_b = shop.order.seller_orders.get(seller=shop.seller_b)
    return shop
