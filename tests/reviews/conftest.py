"""A placed order (tests/orders/conftest.py) whose parts the tests deliver or not."""

from datetime import UTC, datetime, timedelta

import pytest

from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship
from tests.orders.conftest import placed as placed  # the fixture
from tests.orders.conftest import shop as shop  # the fixture

DELIVERED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def deliver(part: SellerOrder, owner, *, at: datetime = DELIVERED_AT) -> SellerOrder:
    """Accept, ship and deliver ``part``; its delivery date is set to ``at``."""
    seller_order_accept(seller_order_id=part.pk, acting_user=owner)
    seller_order_ship(seller_order_id=part.pk, acting_user=owner, carrier="Colissimo", tracking_number="6A1")
    seller_order_deliver(seller_order_id=part.pk, acting_user=owner)
    SellerOrder.objects.filter(pk=part.pk).update(delivered_at=at)
    part.refresh_from_db()
    return part


@pytest.fixture
def delivered(placed):
    """The order of ``placed`` with seller A's part delivered on DELIVERED_AT; B's still new."""
    deliver(placed.part_a, placed.owner_a)
    placed.line_a = placed.part_a.lines.get()
    placed.line_b = placed.part_b.lines.get()
    return placed


def delivered_orders(shop, count: int) -> list:
    """``count`` orders of one book of seller A by as many customers, each delivered; their lines.
    Built once per ``shop`` (a Hypothesis test's examples share them)."""
    if getattr(shop, "delivered_lines", None):
        return shop.delivered_lines
    from galerie.cart.services import cart_add
    from galerie.checkout.services import checkout_place_order
    from galerie.sellers.models import SellerMember
    from galerie.sellers.services import seller_member_add
    from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
    from tests.factories import make_user

    owner = make_user()
    seller_member_add(seller=shop.seller_a, user=owner, role=SellerMember.Role.OWNER)
    lines = []
    for _ in range(count):
        customer = make_user(full_name="Ann Buyer")
        cart = cart_add(
            storefront=shop.storefront, cart=None, customer=customer, offer_id=shop.book.pk, quantity=1
        )
        order = checkout_place_order(
            storefront=shop.storefront, cart=cart, customer=customer, address=ADDRESS,
            payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
        ).order  # fmt: skip
        part = deliver(order.seller_orders.get(), owner, at=datetime.now(UTC) - timedelta(days=1))
        lines.append(part.lines.get())
    shop.delivered_lines = lines
    return lines
