import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galerie.catalog.models import Category
from galerie.core.money import Money
from galerie.offers.services import offer_price_set
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


@pytest.fixture
def shop():
    books = make_category("Books")
    make_category("Novels", parent=books)
    return make_storefront(code="books", name="Page & Plume", scope=[books], hosts=["books.example.test"])


def product_with_offers(
    shop, n_offers, *, title="Vingt mille lieues sous les mers", slug="vingt-mille-lieues"
):
    novels = Category.objects.get_children(shop.catalog_scope.get()).get()
    variant = make_variant(product=make_product(category=novels, title=title, slug=slug))
    offers = [
        make_offer(seller=make_seller(storefronts=[shop]), variant=variant, price_minor=1000 + 100 * i)
        for i in range(n_offers)
    ]
    return variant, offers


def test_landing_lists_open_storefronts_only(client, shop):
    make_storefront(name="Hidden draft", open_=False)
    page = client.get("/").content.decode()
    assert "Page &amp; Plume" in page
    assert "Hidden draft" not in page
    assert 'href="/s/books/"' in page


def test_home_by_path_prefix_and_by_host(client, shop, settings):
    product_with_offers(shop, 2)
    search_reindex()  # what the worker does on the offers' events
    by_path = client.get("/s/books/")
    assert by_path.status_code == 200
    assert "Vingt mille lieues sous les mers" in by_path.content.decode()
    assert 'href="/s/books/p/vingt-mille-lieues/"' in by_path.content.decode()

    settings.ALLOWED_HOSTS = ["books.example.test"]
    by_host = client.get("/", HTTP_HOST="books.example.test")
    assert by_host.status_code == 200
    assert 'href="/p/vingt-mille-lieues/"' in by_host.content.decode()  # links stay on the host
    assert client.get("/p/vingt-mille-lieues/", HTTP_HOST="books.example.test").status_code == 200


def test_storefront_speaks_its_language_and_shows_prices_in_it(client, shop):
    product_with_offers(shop, 1)
    search_reindex()
    page = client.get("/s/books/")
    assert page["Content-Language"] == "fr"
    assert "14,90\xa0€" in page.content.decode()  # 10 € and 4.90 € shipping


def test_product_page_shows_buy_box_other_offers_and_seller_kind(client, shop):
    variant, offers = product_with_offers(shop, 3)
    private = make_seller(storefronts=[shop], kind="private", display_name="Chez Lucie")
    make_offer(seller=private, variant=variant, price_minor=1500, condition="used")
    page = client.get("/s/books/p/vingt-mille-lieues/").content.decode()
    buy_box = page.split('class="buybox"')[1].split("</section>")[0]
    assert "10,00\xa0€" in buy_box
    assert offers[0].seller.display_name in buy_box
    assert "Vendeur professionnel" in buy_box or "Professional seller" in buy_box
    table = page.split('class="offers"')[1]
    assert all(o.seller.display_name in table for o in offers[1:])
    assert "Chez Lucie" in table
    assert re.search(r"badge-private", table)


def test_product_page_shows_the_omnibus_prior_price_on_a_reduction(client, shop):
    _, (offer,) = product_with_offers(shop, 1)
    now = timezone.now()
    offer.price_history.update(valid_from=now - timedelta(days=90))
    offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(800, "EUR"), at=now - timedelta(days=2))
    page = client.get("/s/books/p/vingt-mille-lieues/").content.decode()
    assert "−20 %" in page
    assert "<s>10,00\xa0€</s>" in page


def test_product_page_shows_the_version_asked_for(client, shop):
    paperback, (first,) = product_with_offers(shop, 1)
    hardcover = make_variant(product=paperback.product, name="Relié", attributes={"format": "hardcover"})
    second = make_offer(seller=make_seller(storefronts=[shop]), variant=hardcover, price_minor=2490)
    page = client.get(f"/s/books/p/vingt-mille-lieues/?v={hardcover.uuid.hex}").content.decode()
    buy_box = page.split('class="buybox"')[1].split("</section>")[0]
    assert "24,90\xa0€" in buy_box
    assert second.seller.display_name in buy_box
    assert f'href="?v={hardcover.uuid.hex}" aria-current="true">Relié</a>' in page
    assert "<dd>hardcover</dd>" in page
    default = client.get("/s/books/p/vingt-mille-lieues/?v=unknown").content.decode()
    assert first.seller.display_name in default.split('class="buybox"')[1].split("</section>")[0]


def test_product_page_has_structured_data(client, shop):
    variant, _ = product_with_offers(shop, 2)
    page = client.get("/s/books/p/vingt-mille-lieues/").content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Product"
    assert data["gtin13"] == variant.gtin
    assert [o["price"] for o in data["offers"]] == ["10.00", "11.00"]
    assert '<link rel="canonical" href="http://testserver/s/books/p/vingt-mille-lieues/">' in page


def test_query_count_does_not_grow_with_offers(client, shop, settings):
    settings.CACHE_BYPASS = True  # the render's queries, not the shared page cache's hits
    product_with_offers(shop, 1, title="One", slug="one")
    product_with_offers(shop, 12, title="Twelve", slug="twelve")
    client.get("/s/books/p/one/")  # warm up the session and caches
    counts = {}
    for slug in ("one", "twelve"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/s/books/p/{slug}/").status_code == 200
        counts[slug] = len(queries)
        assert not [q for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])], "a GET wrote"
    assert counts["one"] == counts["twelve"]
    search_reindex()
    client.get("/s/books/")
    with CaptureQueriesContext(connection) as few:
        client.get("/s/books/")
    for i in range(8):
        product_with_offers(shop, 3, title=f"Book {i}", slug=f"book-{i}")
    search_reindex()
    with CaptureQueriesContext(connection) as many:
        client.get("/s/books/")
    assert len(few) == len(many)


def test_category_pages_by_keyset(client, shop):
    for i in range(30):
        product_with_offers(shop, 1, title=f"Roman {i:02d}", slug=f"roman-{i:02d}")
    search_reindex()
    novels = Category.objects.get_children(shop.catalog_scope.get()).get()
    page1 = client.get(f"/s/books/c/{novels.slug}/").content.decode()
    assert page1.count('class="card"') == 24
    after = re.search(r'href="\?after=(\d+)"', page1).group(1)
    page2 = client.get(f"/s/books/c/{novels.slug}/?after={after}").content.decode()
    assert page2.count('class="card"') == 6
    assert "?after=" not in page2
    titles1 = set(re.findall(r"Roman \d\d", page1))
    titles2 = set(re.findall(r"Roman \d\d", page2))
    assert not titles1 & titles2 and len(titles1 | titles2) == 30


def test_what_a_storefront_does_not_sell_is_404(client, shop):
    music = make_category("Music")
    outside = make_variant(product=make_product(category=music, slug="outside"))
    make_offer(seller=make_seller(storefronts=[shop]), variant=outside)
    assert client.get("/s/books/p/outside/").status_code == 404
    assert client.get(f"/s/books/c/{music.slug}/").status_code == 404
    draft = make_storefront(code="draft", open_=False)
    assert draft.status == "draft"
    assert client.get("/s/draft/").status_code == 404
    assert client.get("/s/books/p/no-such-thing/").status_code == 404


def test_seller_page_shows_the_trader_legal_identity(client, shop):
    seller = make_seller(storefronts=[shop])
    page = client.get(f"/s/books/seller/{seller.slug}/").content.decode()
    assert seller.legal_name in page and seller.trade_register_number in page and seller.phone in page


def test_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_pages_refuse_writes(client, shop):
    assert client.post("/s/books/").status_code == 405
