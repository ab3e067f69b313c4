"""The storefront home (featured categories, deals) and what search engines read."""

import re
from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from galerie.catalog.models import Category
from galerie.core.money import Money
from galerie.offers.services import offer_price_set, offer_stock_set
from galerie.search.services import search_reindex
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def shop():
    books = make_category("Books")
    make_category("Novels", parent=books)
    make_category("Comics", parent=books)
    return make_storefront(code="books", name="Page & Plume", scope=[books], hosts=["books.example.test"])


def category(shop, name):
    return Category.objects.get_children(shop.catalog_scope.get()).get(name=name)


def on_sale(shop, slug, *, price_minor=1000, where="Novels", seller=None, **product):
    variant = make_variant(
        product=make_product(category=category(shop, where), slug=slug, title=slug, **product)
    )
    return make_offer(
        seller=seller or make_seller(storefronts=[shop]), variant=variant, price_minor=price_minor
    )


def reduce(offer, *, to, days_ago=2):
    """Give an offer a genuine reduction: its old price for months, the new one ``days_ago``."""
    now = timezone.now()
    offer.price_history.update(valid_from=now - timedelta(days=90))
    offer_price_set(
        by=TESTS, offer_id=offer.pk, price=Money(to, offer.currency), at=now - timedelta(days=days_ago)
    )


def test_home_features_the_top_categories_with_their_counts(client, shop):
    on_sale(shop, "a")
    on_sale(shop, "b")
    on_sale(shop, "c", where="Comics")
    search_reindex()  # what the worker does on the offers' events
    page = client.get("/s/books/").content.decode()
    cards = {}
    for card in page.split('<li class="category-card">')[1:]:
        slug = re.search(r'href="/s/books/c/([^"]+)/"', card).group(1)
        name = re.search(r'"category-name">([^<]+)<', card).group(1)
        count = re.search(r'"card-meta">([^<]+)<', card).group(1)
        cards[name] = (slug, count.split()[0])
    assert cards == {
        "Novels": (category(shop, "Novels").slug, "2"),
        "Comics": (category(shop, "Comics").slug, "1"),
    }
    books = shop.catalog_scope.get()
    assert f'<a class="chip" href="/s/books/c/{books.slug}/">Books</a>' in page  # the department


def test_best_deals_are_genuine_reductions_of_the_buy_box(client, shop):
    deal = on_sale(shop, "deal", price_minor=1000)
    reduce(deal, to=800)
    risen = on_sale(shop, "risen", price_minor=1000)
    reduce(risen, to=1200)
    # The reduced offer is not this product's best offer: a cheaper one is, without reduction.
    beaten = on_sale(shop, "beaten", price_minor=1000)
    reduce(beaten, to=900)
    make_offer(seller=make_seller(storefronts=[shop]), variant=beaten.variant, price_minor=500)
    # A reduction older than 30 days is no longer shown as one.
    old = on_sale(shop, "old", price_minor=1000)
    reduce(old, to=700, days_ago=40)
    # Out of stock: not on sale, so no deal.
    gone = on_sale(shop, "gone", price_minor=1000)
    reduce(gone, to=500)
    offer_stock_set(by=TESTS, offer_id=gone.pk, stock=0)
    search_reindex()

    page = client.get("/s/books/").content.decode()
    deals = page.split('id="deals"')[1].split("</section>")[0]
    assert re.findall(r'<span class="card-title">(.*?)</span>', deals) == ["deal"]
    assert "−20 %" in deals
    assert "<s>10,00\xa0€</s>" in deals and "8,00\xa0€" in deals


def test_no_deals_no_section(client, shop):
    on_sale(shop, "plain")
    search_reindex()
    page = client.get("/s/books/").content.decode()
    assert 'id="deals"' not in page
    assert "plain" in page


def test_home_queries_do_not_grow_with_products(client, shop, settings, django_assert_max_num_queries):
    # The queries of a render: a page-cache hit (whether the warm-up's page was stored depends on
    # how long after the reindex's bump it rendered) would count none.
    settings.PAGE_CACHE = False

    def fill(n, prefix):
        for i in range(n):
            reduce(on_sale(shop, f"{prefix}-{i}", price_minor=1000 + i), to=900)

    fill(3, "few")
    search_reindex()
    client.get("/s/books/")  # warm up: the category counts are cached
    with django_assert_max_num_queries(15) as few:
        client.get("/s/books/")
    fill(30, "many")
    search_reindex()
    with django_assert_max_num_queries(15) as many:
        page = client.get("/s/books/").content.decode()
    assert len(few) == len(many)
    assert page.count('class="card card-deal"') == 5  # read from the index: never stale


def test_home_cold_queries_are_bounded_too(client, shop, settings, django_assert_max_num_queries):
    settings.PAGE_CACHE = False
    for i in range(12):
        reduce(on_sale(shop, f"p{i}"), to=900)
    search_reindex()
    with django_assert_max_num_queries(20):
        page = client.get("/s/books/").content.decode()
    assert page.count('class="card card-deal"') == 5


# --- canonical links ----------------------------------------------------------------------------


def test_every_storefront_page_names_its_canonical_url(client, shop):
    offer = on_sale(shop, "nautilus")
    novels = category(shop, "Novels")
    pages = {
        "/s/books/": "http://testserver/s/books/",
        "/s/books/?utm_source=x": "http://testserver/s/books/",
        f"/s/books/c/{novels.slug}/?after=99&utm_source=x": f"http://testserver/s/books/c/{novels.slug}/",
        f"/s/books/p/nautilus/?v={offer.variant.uuid.hex}": "http://testserver/s/books/p/nautilus/",
    }
    for url, canonical in pages.items():
        page = client.get(url).content.decode()
        assert page.count('rel="canonical"') == 1
        assert f'<link rel="canonical" href="{canonical}">' in page


# --- robots.txt and the sitemaps -------------------------------------------------------------------


def locations(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def all_product_urls(client, index_url, **headers):
    urls = []
    for sitemap in locations(client, index_url, **headers):
        if "sitemap-products-" in sitemap:
            urls.append(locations(client, urlsplit(sitemap).path, **headers))
    return urls


def test_sitemap_lists_exactly_the_products_this_storefront_sells(client, shop, monkeypatch):
    monkeypatch.setattr("galerie.web.views.seo.SITEMAP_ID_SPAN", 3)
    music = make_category("Music")
    other = make_storefront(code="music", scope=[music])
    sold = [on_sale(shop, f"sold-{i}").variant.product.slug for i in range(7)]
    on_sale(shop, "draft", status="draft")
    make_variant(product=make_product(category=category(shop, "Novels"), slug="no-offer"))
    offer_stock_set(by=TESTS, offer_id=on_sale(shop, "sold-out").pk, stock=0)
    on_sale(shop, "foreign-seller", seller=make_seller(storefronts=[other]))
    variant = make_variant(product=make_product(category=music, slug="record"))
    make_offer(seller=make_seller(storefronts=[other, shop]), variant=variant)
    sold.append(on_sale(shop, "sold-last").variant.product.slug)
    search_reindex()  # the sitemap lists what the index lists (the worker follows the offers' events)

    files = all_product_urls(client, "/s/books/sitemap.xml")
    assert len(files) > 1 and all(len(urls) <= 3 for urls in files)
    urls = [url for urls in files for url in urls]
    assert urls == [f"http://testserver/s/books/p/{slug}/" for slug in sold]  # by id, each once

    music_urls = [url for urls in all_product_urls(client, "/s/music/sitemap.xml") for url in urls]
    assert music_urls == ["http://testserver/s/music/p/record/"]


def test_pages_sitemap_has_the_home_and_the_categories_in_scope(client, shop):
    make_category("Music")
    urls = locations(client, "/s/books/sitemap-pages.xml")
    books = shop.catalog_scope.get()
    assert urls == [
        "http://testserver/s/books/",
        f"http://testserver/s/books/c/{books.slug}/",
        f"http://testserver/s/books/c/{category(shop, 'Novels').slug}/",
        f"http://testserver/s/books/c/{category(shop, 'Comics').slug}/",
    ]


def test_robots_and_sitemap_on_a_storefront_host(client, shop, settings):
    settings.ALLOWED_HOSTS = ["books.example.test", "testserver"]
    on_sale(shop, "nautilus")
    search_reindex()
    robots = client.get("/robots.txt", HTTP_HOST="books.example.test")
    assert robots["Content-Type"].startswith("text/plain")
    text = robots.content.decode()
    assert "Sitemap: http://books.example.test/sitemap.xml" in text
    assert "Disallow: /checkout/" in text
    index = locations(client, "/sitemap.xml", HTTP_HOST="books.example.test")
    assert index[0] == "http://books.example.test/sitemap-pages.xml"
    products = locations(client, urlsplit(index[1]).path, HTTP_HOST="books.example.test")
    assert products == ["http://books.example.test/p/nautilus/"]
    path_mode = client.get("/s/books/robots.txt").content.decode()
    assert "Sitemap: http://testserver/s/books/sitemap.xml" in path_mode


def test_sitemap_queries_do_not_grow_with_products(client, shop, django_assert_max_num_queries):
    on_sale(shop, "first")
    search_reindex()
    client.get("/s/books/sitemap.xml")  # warm up the host cache
    with django_assert_max_num_queries(4) as few:
        client.get("/s/books/sitemap-products-0.xml")
    for i in range(20):
        on_sale(shop, f"more-{i}")
    search_reindex()
    with django_assert_max_num_queries(4) as many:
        assert client.get("/s/books/sitemap-products-0.xml").content.count(b"<url>") == 21
    assert len(few) == len(many)


def test_a_sitemap_beyond_any_id_is_404(client, shop):
    assert client.get("/s/books/sitemap-products-99999999999999.xml").status_code == 404
    assert client.get("/s/books/sitemap-products-7.xml").status_code == 200  # empty, but valid
