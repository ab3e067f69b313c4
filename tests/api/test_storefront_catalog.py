"""The storefront API's catalog: categories, listings, search, product detail; only what the
storefront sells (its scope, its admitted sellers, live offers), anything else a 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galerie.core.money import Money
from galerie.offers.services import offer_price_set
from tests.api.conftest import Api
from tests.api.storefront_world import World, build_world, close
from tests.factories import TESTS, make_storefront

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    return build_world()


def test_the_category_tree_is_the_storefront_scope(api: Api, world) -> None:
    reply = api.get(f"/storefronts/{world.shop.code}/categories")
    assert reply.status_code == 200
    assert reply.json() == [
        {"slug": world.books.slug, "name": "Books", "parent": None, "depth": 1},
        {"slug": world.novels.slug, "name": "Novels", "parent": world.books.slug, "depth": 2},
    ]


def test_a_category_lists_its_subtree_by_keyset_pages_with_the_sorts_of_the_page(api: Api, world) -> None:
    path = f"/storefronts/{world.shop.code}/categories/{world.books.slug}/products"
    first = api.get(path, limit=1, sort="price_asc").json()
    # The hidden novel (its only seller is not admitted here) and the record (music) are not listed.
    assert [item["slug"] for item in first["items"]] == [world.novel.slug]
    assert first["items"][0]["best_price"] == {"amount": 1290 + 490, "currency": "EUR"}  # + shipping
    assert first["items"][0]["offer_count"] == 2
    assert first["next"] is None
    newest = api.get(path, sort="newest", condition="new").json()
    assert [item["slug"] for item in newest["items"]] == [world.novel.slug]
    assert (
        api.get(path, seller=world.bob.slug, sort="price_desc").json()["items"][0]["best_price"]["amount"]
        == 1890 + 590
    )


def test_listing_pages_follow_the_cursor(api: Api, world) -> None:
    from galerie.search.services import search_reindex
    from tests.factories import make_offer, make_product, make_variant

    for n in range(3):
        make_offer(
            seller=world.alice,
            variant=make_variant(product=make_product(category=world.novels)),
            price_minor=1000 + n,
        )
    search_reindex()
    path = f"/storefronts/{world.shop.code}/categories/{world.novels.slug}/products"
    seen, after = [], None
    while True:
        page = api.get(path, limit=2, sort="price_asc", **({"after": after} if after else {})).json()
        seen += [item["best_price"]["amount"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert len(seen) == 4 and seen == sorted(seen)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"condition": "broken"}, "condition"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "500", "price_max": "100"}, "price_max"),
        ({"after": "forged"}, "after"),
        ({"brand": "not a slug!"}, "brand"),
    ],
)
def test_a_listing_with_bad_input_is_a_422_naming_the_field(api: Api, world, params, field) -> None:
    reply = api.get(f"/storefronts/{world.shop.code}/categories/{world.books.slug}/products", **params)
    assert reply.status_code == 422
    assert [name.split(".")[0] for name in reply.json()["error"]["errors"]] == [field]


def test_a_category_outside_the_scope_is_a_404(api: Api, world) -> None:
    reply = api.get(f"/storefronts/{world.shop.code}/categories/{world.music.slug}/products")
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "category_not_found"


def test_search_finds_with_the_facets_of_the_search_page(api: Api, world) -> None:
    reply = api.get(f"/storefronts/{world.shop.code}/search", q="leagues")
    assert reply.status_code == 200
    body = reply.json()
    assert [item["slug"] for item in body["items"]] == [world.novel.slug]
    assert body["total"] == 1
    facets = {facet["name"]: facet for facet in body["facets"]}
    assert {v["value"] for v in facets["seller"]["values"]} == {world.alice.slug, world.bob.slug}
    filtered = api.get(f"/storefronts/{world.shop.code}/search", q="leagues", seller=world.bob.slug).json()
    assert filtered["items"][0]["best_price"]["amount"] == 1890 + 590  # his offer, his shipping
    # Outside the scope, or sold by a seller not admitted here: not found.
    assert api.get(f"/storefronts/{world.shop.code}/search", q="record").json()["items"] == []
    assert api.get(f"/storefronts/{world.shop.code}/search", q="hidden").json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": "x", "condition": "broken"}, "condition"), ({"q": "x", "price": "cheap"}, "price"),
     ({"q": "x", "sort": "best"}, "sort"), ({"q": "x", "page": "0"}, "page")],
)  # fmt: skip
def test_a_search_with_bad_input_is_a_422_naming_the_field(api: Api, world, params, field) -> None:
    reply = api.get(f"/storefronts/{world.shop.code}/search", **params)
    assert reply.status_code == 422
    assert [name.split(".")[0] for name in reply.json()["error"]["errors"]] == [field]


def test_the_product_shows_its_buy_box_other_offers_prices_and_delivery(api: Api, world) -> None:
    reply = api.get(f"/storefronts/{world.shop.code}/products/{world.novel.slug}")
    assert reply.status_code == 200
    body = reply.json()
    assert body["title"] == world.novel.title
    assert body["category"] == {"slug": world.novels.slug, "name": "Novels"}
    [variant] = body["variants"]
    assert variant["id"] == str(world.novel_variant.uuid)
    buy_box, [other] = variant["buy_box"], variant["other_offers"]
    assert buy_box["id"] == str(world.cheap.uuid)
    assert buy_box["seller"]["name"] == world.alice.display_name
    assert buy_box["price"] == {"amount": 1290, "currency": "EUR"}
    assert buy_box["only_left"] == 3 and buy_box["in_stock"] is True
    assert buy_box["prior_price"] is None
    assert other["id"] == str(world.dear.uuid) and other["only_left"] is None
    assert other["shipping"] == {"amount": 590, "currency": "EUR"}
    assert other["free_shipping_above"] == {"amount": 5000, "currency": "EUR"}
    assert other["delivery_days"]["min"] <= other["delivery_days"]["max"]


def test_a_reduced_price_shows_the_omnibus_prior_price(api: Api, world) -> None:
    from datetime import timedelta

    from django.utils import timezone

    offer_price_set(
        offer_id=world.cheap.pk, price=Money(1990, "EUR"), by=TESTS, at=timezone.now() - timedelta(days=10)
    )
    offer_price_set(offer_id=world.cheap.pk, price=Money(990, "EUR"), by=TESTS)
    buy_box = api.get(f"/storefronts/{world.shop.code}/products/{world.novel.slug}").json()["variants"][0][
        "buy_box"
    ]
    assert buy_box["price"]["amount"] == 990
    assert buy_box["prior_price"] is not None and buy_box["prior_price"]["amount"] > 990


def test_what_the_storefront_does_not_sell_is_a_404(api: Api, world) -> None:
    code = world.shop.code
    assert api.get(f"/storefronts/{code}/products/{world.record.slug}").status_code == 404  # out of scope
    assert (
        api.get(f"/storefronts/{code}/products/{world.hidden.slug}").status_code == 404
    )  # seller not admitted
    assert api.get(f"/storefronts/{code}/products/no-such-product").status_code == 404
    # The outsider's storefront sells it.
    assert api.get(f"/storefronts/{world.other.code}/products/{world.hidden.slug}").status_code == 200
    draft = make_storefront(open_=False, scope=[world.books])
    assert api.get(f"/storefronts/{draft.code}/products/{world.novel.slug}").status_code == 404
    close(world.shop)
    for path in ("categories", f"products/{world.novel.slug}", "search?q=leagues"):
        reply = api.client.get(f"/api/v1/storefronts/{code}/{path}")
        assert reply.status_code == 404, path
        assert reply.json()["error"]["code"] == "storefront_not_found"


def test_a_product_read_takes_a_fixed_number_of_queries(api: Api, world, settings) -> None:
    path = f"/storefronts/{world.shop.code}/products/{world.novel.slug}"
    settings.CACHE_BYPASS = True
    api.get(path)  # the host's storefront, which the middleware keeps in the cache
    with CaptureQueriesContext(connection) as queries:
        built = api.get(path)
    assert built.status_code == 200 and built.headers["X-Galerie-Cache"] == "bypass"
    # The storefront, the product, its variants, images, attribute definitions; per variant on
    # sale its offers and their prior prices.
    assert len(queries) == 7, [q["sql"][:120] for q in queries]
