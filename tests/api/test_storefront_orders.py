"""The customer's orders through the storefront API: keyset list, detail with seller orders,
parcels and tracking; only the caller's own."""

from __future__ import annotations

import secrets

import pytest

from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_ship
from tests.api.conftest import Api
from tests.api.storefront_world import World, build_world
from tests.api.test_storefront_checkout import checkout, fill_cart, signed_in
from tests.factories import make_staff_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_order_shows_its_parcels_and_tracking(client, world) -> None:
    api = signed_in(client, world)
    order = checkout(api, world, fill_cart(api, world), secrets.token_urlsafe(24)).json()["order"]
    part = SellerOrder.objects.get(order__number=order["number"], seller=world.alice)
    clerk = make_staff_member(world.alice)
    seller_order_accept(seller_order_id=part.pk, acting_user=clerk)
    seller_order_ship(
        seller_order_id=part.pk, acting_user=clerk, carrier="Colissimo", tracking_number="6A123"
    )
    detail = api.get(f"/storefronts/{world.shop.code}/orders/{order['id']}").json()
    shipped = next(p for p in detail["seller_orders"] if p["seller"] == world.alice.display_name)
    assert shipped["status"] == "shipped"
    [parcel] = shipped["parcels"]
    assert (parcel["carrier"], parcel["tracking_number"]) == ("Colissimo", "6A123")
    assert parcel["lines"] == [{"product": world.novel.title, "quantity": 2}]
    waiting = next(p for p in detail["seller_orders"] if p["seller"] == world.bob.display_name)
    assert waiting["parcels"] == []


def test_the_orders_list_pages_by_keyset(client, world) -> None:
    api = signed_in(client, world)
    numbers = []
    for _ in range(3):
        placed = checkout(api, world, fill_cart(api, world), secrets.token_urlsafe(24))
        assert placed.status_code == 201
        numbers.append(placed.json()["order"]["number"])
    seen, after = [], None
    while True:
        page = api.get(
            f"/storefronts/{world.shop.code}/orders", limit=2, **({"after": after} if after else {})
        ).json()
        seen += [o["number"] for o in page["items"]]
        if (after := page["next"]) is None:
            break
    assert seen == numbers[::-1]  # newest first, none twice
    bad = api.get(f"/storefronts/{world.shop.code}/orders", limit=0)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "limit"


def test_a_guest_has_no_orders(client, world) -> None:
    assert Api(client).get(f"/storefronts/{world.shop.code}/orders").status_code == 401
