"""The product read is kept in the shared cache like the product page, and a change to what it
shows (a price, a seller) makes it stale at once."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galerie.api.read_cache import CLOCK_SKEW
from galerie.core.money import Money
from galerie.offers.services import offer_price_set
from galerie.sellers.services import seller_suspend
from tests.api.conftest import Api
from tests.api.storefront_world import World, build_world, close
from tests.factories import TESTS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world() -> World:
    shop = build_world()
    time.sleep(CLOCK_SKEW + 0.02)  # a read built right after a change it shows is not stored
    return shop


def read(api: Api, world: World):
    return api.get(f"/storefronts/{world.shop.code}/products/{world.novel.slug}")


def test_a_second_read_is_a_hit_with_one_query_and_a_change_makes_it_stale(api: Api, world) -> None:
    first = read(api, world)
    assert first.headers["X-Galerie-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        again = read(api, world)
    assert again.headers["X-Galerie-Cache"] == "hit"
    assert again.json() == first.json()
    assert len(queries) == 0
    offer_price_set(offer_id=world.cheap.pk, price=Money(1190, "EUR"), by=TESTS)
    changed = read(api, world)
    assert changed.headers["X-Galerie-Cache"] == "miss"
    assert changed.json()["variants"][0]["buy_box"]["price"]["amount"] == 1190
    seller_suspend(
        seller_id=world.alice.pk, reason="Complaints (statement of reasons)", ground="Seller terms §7"
    )
    gone = read(api, world).json()["variants"][0]
    assert gone["buy_box"]["id"] == str(world.dear.uuid) and gone["other_offers"] == []
    read(api, world)  # kept again
    close(world.shop)  # its events bump storefront:<id>
    assert read(api, world).status_code == 404


def test_with_the_caches_bypassed_nothing_is_kept(api: Api, world, settings) -> None:
    settings.CACHE_BYPASS = True
    assert [read(api, world).headers["X-Galerie-Cache"] for _ in range(2)] == ["bypass", "bypass"]
