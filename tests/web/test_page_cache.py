"""The shared page cache (web/page_cache.py, docs/page-cache.md): anonymous storefront pages are
served from the cache with no SQL, go stale the moment a change they show commits, and never
carry one visitor's cart count, sign-in state or CSRF token to another.

The cache is the real one: local memory on SQLite runs, Redis when REDIS_URL is set.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from galerie.catalog.models import Category
from galerie.core import surrogates
from galerie.core.money import Money
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.services import offer_price_set, offers_stock_take
from galerie.search.services import search_reindex
from galerie.sellers.services import seller_suspend
from galerie.storefronts.closure import storefront_closure_announce
from galerie.storefronts.services import storefront_theme_update
from galerie.web.page_cache import CLOCK_SKEW
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)

pytestmark = pytest.mark.django_db(transaction=True)

SF = "/s/plume"
HOME, CATEGORY, PRODUCT = f"{SF}/", f"{SF}/c/novels/", f"{SF}/p/vingt-mille-lieues/"
FILTERED, SEARCH = f"{CATEGORY}?sort=price_asc&condition=new", f"{SF}/search/?q=vingt"
PAGES = [HOME, CATEGORY, FILTERED, PRODUCT, SEARCH]


def settle() -> None:
    """Let the changes that set the scene age past the clock margin: a page rendered right
    after a change it shows is not stored (it may hold the data of before it)."""
    time.sleep(CLOCK_SKEW + 0.02)


@pytest.fixture
def shop():
    books = make_category("Books")
    novels = make_category("Novels", parent=books)
    Category.objects.filter(pk=novels.pk).update(slug="novels")
    storefront = make_storefront(code="plume", name="Page & Plume", scope=[books])
    variant = make_variant(
        product=make_product(category=novels, title="Vingt mille lieues", slug="vingt-mille-lieues")
    )
    first = make_offer(
        seller=make_seller(storefronts=[storefront], display_name="Librairie Nemo"),
        variant=variant,
        price_minor=1000,
        stock=5,
    )
    second = make_offer(
        seller=make_seller(storefronts=[storefront], display_name="Chez Aronnax"),
        variant=variant,
        price_minor=1200,
        stock=1,
    )
    search_reindex(storefront_ids=[storefront.pk])
    settle()
    return storefront, first, second


def get(client: Client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code in (200, 304), (url, response.status_code)
    return response


def state(response) -> str:
    return response["X-Galerie-Cache"]


def cart_count(page: str) -> int:
    found = re.search(r'<span class="cart-count"> (\d+)</span>', page)
    return int(found[1]) if found else 0


def csrf_tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))


@pytest.mark.parametrize("url", [*PAGES, f"{SF}/search/suggest/?q=vi"])
def test_the_second_anonymous_request_is_a_hit_with_no_sql(client, shop, url):
    first = get(client, url)
    assert state(first) == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = get(client, url)
    assert state(second) == "hit"
    assert len(queries) == 0
    assert second["Content-Language"] == first["Content-Language"] == "fr"
    assert second["Surrogate-Key"] == first["Surrogate-Key"]
    assert len(second.content) >= len(first.content) - 200  # the same page, its personal parts refilled


def test_seller_shop_page_is_shared_and_goes_stale_when_the_seller_changes(client, shop):
    _, first, _ = shop
    url = f"{SF}/seller/{first.seller.slug}/"
    assert state(get(client, url)) == "miss"
    assert state(get(client, url)) == "hit"
    assert get(client, url)["Surrogate-Key"] == f"seller:{first.seller_id} storefront:{shop[0].pk}"
    seller_suspend(
        seller_id=first.seller_id,
        reason="Counterfeit reports (statement of reasons)",
        ground="Seller terms §7",
    )
    assert client.get(url).status_code == 404


def test_a_price_change_shows_on_the_cached_product_page_at_once(client, shop):
    _, first, _ = shop
    get(client, PRODUCT)
    assert state(get(client, PRODUCT)) == "hit"
    assert "10,00\xa0€" in get(client, PRODUCT).content.decode()

    offer_price_set(offer_id=first.pk, price=Money(900, "EUR"), by=TESTS)  # commits, bumps variant:<id>

    page = get(client, PRODUCT)
    assert state(page) == "miss"
    assert "9,00\xa0€" in page.content.decode()


def test_selling_the_last_unit_makes_the_product_page_stale(client, shop):
    _, _, second = shop
    assert "Chez Aronnax" in get(client, PRODUCT).content.decode()
    assert state(get(client, PRODUCT)) == "hit"

    offers_stock_take(lines={second.pk: 1}, by=TESTS)  # a checkout takes the last unit

    page = get(client, PRODUCT)
    assert state(page) == "miss"
    assert "Chez Aronnax" not in page.content.decode()


def test_an_offer_import_makes_the_product_pages_of_its_rows_stale(client, shop):
    storefront, first, _ = shop
    newcomer = make_seller(storefronts=[storefront], display_name="Librairie Conseil")
    settle()
    get(client, PRODUCT)
    assert state(get(client, PRODUCT)) == "hit"

    rows = f"sku,gtin,price,stock,condition\nN-1,{first.variant.gtin},8.50,2,new\n"
    upload = SimpleUploadedFile("offers.csv", rows.encode())
    created = offer_import_create(by=TESTS, seller=newcomer, upload=upload, check_only=False)
    assert offer_import_run(import_id=created.pk).status == "applied"

    page = get(client, PRODUCT)
    assert state(page) == "miss"
    assert "Librairie Conseil" in page.content.decode()


def test_a_theme_change_makes_every_page_of_the_storefront_stale(client, shop):
    storefront, _, _ = shop
    for url in PAGES:
        get(client, url)
        assert state(get(client, url)) == "hit"

    storefront_theme_update(storefront_id=storefront.pk, theme={"colour_primary": "#123456"})

    for url in PAGES:
        page = get(client, url)
        assert state(page) == "miss"
        assert "#123456" in page.content.decode()


def test_a_storefront_that_starts_closing_says_so_on_every_page_at_once(client, shop):
    storefront, _, _ = shop
    for url in PAGES:
        get(client, url)
    storefront_closure_announce(
        storefront_id=storefront.pk,
        closing_on=date.today() + timedelta(days=30),
        reason="The shop moves",
        by=TESTS,
    )
    for url in PAGES:
        assert 'class="notice closure-banner wrap"' in get(client, url).content.decode(), url


def test_a_change_to_another_product_leaves_this_product_page_cached(client, shop):
    storefront, _, _ = shop
    other = make_offer(seller=make_seller(storefronts=[storefront]), price_minor=5000)
    settle()
    get(client, PRODUCT)
    offer_price_set(offer_id=other.pk, price=Money(4000, "EUR"), by=TESTS)
    assert state(get(client, PRODUCT)) == "hit"


def test_a_listing_bump_makes_listings_stale_and_leaves_product_pages_alone(client, shop):
    storefront, _, _ = shop
    for url in PAGES:
        get(client, url)
    surrogates.bump([f"listing:{storefront.pk}"])  # what the search indexer does after its commit
    assert {url: state(get(client, url)) for url in PAGES} == {
        HOME: "miss",
        CATEGORY: "miss",
        FILTERED: "miss",
        PRODUCT: "hit",
        SEARCH: "miss",
    }


def test_a_page_rendered_while_a_change_commits_is_served_but_not_stored(client, shop):
    """The render reads the offers, then a change commits and bumps the variant before the
    render reads the versions: stored, the page would be stale with fresh versions."""
    _, first, _ = shop

    def change_commits_after_the_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "offers_offer" in sql:
            surrogates.bump([f"variant:{first.variant_id}"])
        return result

    with connection.execute_wrapper(change_commits_after_the_read):
        assert state(get(client, PRODUCT)) == "miss"
    assert state(get(client, PRODUCT)) == "miss"  # nothing was stored


def test_with_the_cache_bypassed_every_request_renders(client, shop, settings):
    settings.CACHE_BYPASS = True
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            page = get(client, PRODUCT)
        assert state(page) == "bypass"
        assert len(queries) > 0
        assert "Librairie Nemo" in page.content.decode()


def test_headers_for_a_cdn_and_conditional_get(client, shop):
    storefront, first, second = shop
    home = get(client, HOME)
    assert home["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert home["Surrogate-Key"] == f"listing:{storefront.pk} storefront:{storefront.pk}"
    assert "HX-Request" in home["Vary"]
    assert "Cookie" not in get(client, HOME)["Vary"]  # a hit without a session cookie: no session work
    again = get(client, HOME, if_none_match=home["ETag"])
    assert again.status_code == 304 and state(again) == "hit"
    assert again["ETag"] == home["ETag"]
    assert "Content-Security-Policy" not in again  # the stored page keeps its own nonce

    product = get(client, PRODUCT)  # its add-to-cart forms hold this visitor's CSRF token
    assert product["Cache-Control"] == "private, no-cache"
    assert set(product["Surrogate-Key"].split()) == {
        f"storefront:{storefront.pk}",
        f"product:{first.variant.product_id}",
        f"variant:{first.variant_id}",
        f"seller:{first.seller_id}",
        f"seller:{second.seller_id}",
    }
    assert get(client, PRODUCT, if_none_match=product["ETag"]).status_code == 304
    client.post(f"{SF}/cart/add/", {"offer": first.uuid.hex, "quantity": 1}, follow=True)  # message shown
    changed = get(client, PRODUCT, if_none_match=product["ETag"])  # the cart count changed
    assert changed.status_code == 200 and changed["ETag"] != product["ETag"]
    assert cart_count(changed.content.decode()) == 1


def test_a_pending_message_is_shown_and_not_shared(client, shop):
    _, first, _ = shop
    get(client, PRODUCT)
    response = client.post(f"{SF}/cart/add/", {"offer": first.uuid.hex, "quantity": 50, "next": PRODUCT})
    assert response.status_code == 302
    page = get(client, response["Location"])
    assert state(page) == "bypass" and page["Cache-Control"] == "private, no-store"
    assert 'class="messages"' in page.content.decode()
    after = get(client, PRODUCT)
    assert state(after) == "hit" and 'class="messages"' not in after.content.decode()
    assert 'class="messages"' not in get(Client(), PRODUCT).content.decode()


def test_visitors_never_see_each_others_cart_sign_in_or_csrf_token(shop):
    """Two guests and two signed-in customers with different carts browse the same pages in
    turn: each sees its own count and account link, gets a CSRF token valid for itself only,
    and the signed-in ones are never served from the shared cache."""
    _, first, second = shop
    alice, bruno = make_user(email="alice@example.test"), make_user(email="bruno@example.test")
    visitors = {name: Client(enforce_csrf_checks=True) for name in ("guest1", "guest2", "alice", "bruno")}
    visitors["alice"].force_login(alice)
    visitors["bruno"].force_login(bruno)
    wanted = {"guest1": 1, "guest2": 3, "alice": 2, "bruno": 4}
    for name, client in visitors.items():
        page = get(client, PRODUCT).content.decode()
        (token,) = csrf_tokens(page)
        for _ in range(wanted[name]):
            offer = first if name != "guest2" else second
            response = client.post(
                f"{SF}/cart/add/", {"offer": offer.uuid.hex, "quantity": 1, "csrfmiddlewaretoken": token}
            )
            assert response.status_code == 302, name
            get(client, response["Location"])  # the cart page shows (and consumes) the message
    wanted["guest2"] = 1  # one unit in stock: the second and third adds were refused
    seen_tokens: dict[str, set[str]] = {name: set() for name in visitors}
    hits = {name: 0 for name in visitors}
    for _round in range(2):
        for url in PAGES:
            for name, client in visitors.items():
                response = get(client, url)
                page = response.content.decode()
                signed_in = name in ("alice", "bruno")
                assert cart_count(page) == wanted[name], (name, url)
                assert (f'href="{SF}/account/"' in page) is signed_in, (name, url)
                assert (f'href="{SF}/account/login/"' in page) is not signed_in, (name, url)
                if signed_in:
                    assert state(response) == "bypass"
                    assert response["Cache-Control"] == "private, no-store"
                else:
                    assert state(response) in ("hit", "miss")
                    hits[name] += state(response) == "hit"
                seen_tokens[name] |= csrf_tokens(page)
                for cookie in response.cookies.values():
                    if cookie.key == "sessionid" and cookie.value:
                        assert cookie.value == client.cookies["sessionid"].value
    assert all(seen_tokens.values())
    assert hits["guest1"] >= len(PAGES) and hits["guest2"] >= len(PAGES)  # pages were shared
    # Each token works for its visitor and for no other.
    names = list(visitors)
    for name, client in visitors.items():
        other = names[(names.index(name) + 1) % len(names)]
        add = {"offer": first.uuid.hex, "quantity": 1}
        assert (
            client.post(
                f"{SF}/cart/add/", {**add, "csrfmiddlewaretoken": next(iter(seen_tokens[other]))}
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"{SF}/cart/add/", {**add, "csrfmiddlewaretoken": next(iter(seen_tokens[name]))}
            ).status_code
            == 302
        )
