"""The index follows offers, prices, stock, sellers and storefronts through the outbox: each
change is seen by search only once the worker delivered its event, and delivering twice changes
nothing more."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from galerie.core.delivery import worker_run
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.services import offer_price_set, offer_status_set, offer_stock_set
from galerie.pricing.shipping import DEFAULT_BASE_MINOR
from galerie.search import handlers
from galerie.search.models import SearchEntry, SearchTerm
from galerie.search.selectors import search_page, search_query_parse
from galerie.search.services import search_reindex
from galerie.sellers.services import seller_suspend
from galerie.storefronts.services import storefront_catalog_scope_set
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
    books, games = make_category("Livres"), make_category("Jeux")
    storefront = make_storefront(scope=[books, games])
    seller = make_seller(storefronts=[storefront])
    product = make_product(category=books, title="Le Comte de Monte-Cristo")
    offer = make_offer(seller=seller, variant=make_variant(product=product), price_minor=1200)
    search_reindex()
    OutboxEvent.objects.update(delivered_at=timezone.now())  # start clean: the setup is indexed
    return {"storefront": storefront, "seller": seller, "product": product, "offer": offer, "books": books,
            "games": games}  # fmt: skip


def _found(storefront, typed="monte cristo") -> list[tuple[str, int]]:
    page = search_page(storefront=storefront, query=search_query_parse(storefront=storefront, typed=typed))
    return [(p.title, p.best_price_minor) for p in page.products]


def _deliver() -> int:
    return worker_run(handlers.HANDLERS, once=True, jobs={}).delivered


def test_a_price_change_reaches_search_through_the_worker(shop):
    assert _found(shop["storefront"]) == [("Le Comte de Monte-Cristo", 1200 + DEFAULT_BASE_MINOR)]
    offer_price_set(by=TESTS, offer_id=shop["offer"].pk, price=Money(900, "EUR"))
    assert _found(shop["storefront"])[0][1] == 1200 + DEFAULT_BASE_MINOR  # not yet delivered
    assert _deliver() >= 1
    assert _found(shop["storefront"]) == [("Le Comte de Monte-Cristo", 900 + DEFAULT_BASE_MINOR)]
    rows = sorted(SearchEntry.objects.values_list("product_id", "value_ids", "offer_prices"))
    handlers.search_events_index([OutboxEvent.objects.filter(topic="offer.price_changed").get()])  # again
    assert sorted(SearchEntry.objects.values_list("product_id", "value_ids", "offer_prices")) == rows
    assert SearchEntry.objects.count() == 1


def test_no_stock_or_a_paused_offer_takes_the_product_out_and_back(shop):
    offer_stock_set(by=TESTS, offer_id=shop["offer"].pk, stock=0)
    _deliver()
    assert _found(shop["storefront"]) == []
    offer_stock_set(by=TESTS, offer_id=shop["offer"].pk, stock=4)
    offer_status_set(by=TESTS, offer_id=shop["offer"].pk, status="paused")
    _deliver()
    assert _found(shop["storefront"]) == []
    offer_status_set(by=TESTS, offer_id=shop["offer"].pk, status="active")
    _deliver()
    assert len(_found(shop["storefront"])) == 1


def test_a_suspended_sellers_products_leave_search(shop):
    other = make_seller(storefronts=[shop["storefront"]])
    make_offer(seller=other, variant=shop["product"].variants.get(), price_minor=2500)
    _deliver()
    assert _found(shop["storefront"]) == [("Le Comte de Monte-Cristo", 1200 + DEFAULT_BASE_MINOR)]
    seller_suspend(seller_id=shop["seller"].pk, reason="Test: counterfeit reports.", ground="Seller terms §7")
    _deliver()
    assert _found(shop["storefront"]) == [("Le Comte de Monte-Cristo", 2500 + DEFAULT_BASE_MINOR)]
    seller_suspend(seller_id=other.pk, reason="Test: counterfeit reports.", ground="Seller terms §7")
    _deliver()
    assert _found(shop["storefront"]) == []


def test_a_new_product_is_found_once_its_offer_is_delivered(shop):
    product = make_product(category=shop["games"], title="Les Aventuriers du Rail")
    make_offer(seller=shop["seller"], variant=make_variant(product=product), price_minor=3990)
    assert _found(shop["storefront"], "aventuriers") == []
    _deliver()
    assert _found(shop["storefront"], "aventuriers") == [
        ("Les Aventuriers du Rail", 3990 + DEFAULT_BASE_MINOR)
    ]
    assert SearchTerm.objects.filter(storefront=shop["storefront"], word="aventuriers").exists()


def test_a_narrower_catalog_scope_rebuilds_the_storefront(shop):
    storefront_catalog_scope_set(storefront_id=shop["storefront"].pk, category_ids=[shop["games"].pk])
    _deliver()
    assert _found(shop["storefront"]) == []
    assert not SearchEntry.objects.filter(storefront=shop["storefront"]).exists()


def test_reindex_rebuilds_the_same_index_from_scratch(shop, capsys):
    before = sorted(
        SearchEntry.objects.values_list("storefront_id", "product_id", "best_price_minor", "title_terms")
    )
    facets = sorted(SearchEntry.objects.values_list("product_id", "value_ids", "offer_prices"))
    SearchEntry.objects.all().delete()
    call_command("search", "reindex")
    assert (
        sorted(
            SearchEntry.objects.values_list("storefront_id", "product_id", "best_price_minor", "title_terms")
        )
        == before
    )
    assert sorted(SearchEntry.objects.values_list("product_id", "value_ids", "offer_prices")) == facets
    out = capsys.readouterr().out
    assert "Reindexed 1 storefronts" in out and "1 entries" in out


def test_reindex_of_an_unknown_storefront_says_which(shop):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("search", "reindex", "--storefront", "nope")


# --- edits that used to need a manual reindex ----------------------------------------------------


def _admin_post_data(response) -> dict:
    """The change form's data as the admin rendered it (fields and inline formsets)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = value.pk if hasattr(value, "pk") else value
    return data


@pytest.mark.django_db(transaction=True)  # the listing keys change when the worker's transaction commits
def test_a_product_edited_in_the_admin_reaches_search_and_listings(shop, client):
    from django.urls import reverse

    from galerie.core import surrogates
    from tests.factories import make_user

    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:catalog_product_change", args=[shop["product"].pk])
    data = _admin_post_data(client.get(url))
    data["title"] = "Le Comte de Monte-Cristo, tome 1"
    listing = surrogates.key("listing", shop["storefront"].pk)
    before = surrogates.versions([listing])
    assert client.post(url, data).status_code == 302
    assert OutboxEvent.objects.filter(topic="product.updated", delivered_at=None).count() == 1
    assert _found(shop["storefront"], "tome") == []  # not delivered yet
    _deliver()
    assert _found(shop["storefront"], "tome") == [
        ("Le Comte de Monte-Cristo, tome 1", 1200 + DEFAULT_BASE_MINOR)
    ]
    assert surrogates.versions([listing]) != before  # the cached listings are stale

    data["status"] = "draft"  # unpublished: out of search and listings
    assert client.post(url, data).status_code == 302
    _deliver()
    assert _found(shop["storefront"], "tome") == []
    assert not SearchEntry.objects.exists()


def test_a_shipping_profile_change_reaches_the_prices_with_shipping(shop):
    from galerie.sellers.services.shop import ShippingSettings, seller_shop_update
    from tests.factories import make_user

    seller = shop["seller"]
    seller_shop_update(
        seller_id=seller.pk,
        by=make_user(),
        display_name=seller.display_name,
        shipping=ShippingSettings(kind="flat", base_minor=250, free_above_minor=1000),
    )
    _deliver()
    assert _found(shop["storefront"]) == [("Le Comte de Monte-Cristo", 1200)]  # free above 10 €
    offer_price_set(by=TESTS, offer_id=shop["offer"].pk, price=Money(900, "EUR"))
    _deliver()
    assert _found(shop["storefront"]) == [("Le Comte de Monte-Cristo", 900 + 250)]


@pytest.mark.django_db(transaction=True)
def test_a_stock_change_that_shows_nothing_new_leaves_the_listings_cached(shop):
    from galerie.core import surrogates

    listing = surrogates.key("listing", shop["storefront"].pk)
    offer_stock_set(by=TESTS, offer_id=shop["offer"].pk, stock=7)
    before = surrogates.versions([listing])
    _deliver()
    assert surrogates.versions([listing]) == before
    offer_stock_set(by=TESTS, offer_id=shop["offer"].pk, stock=0)
    _deliver()
    assert surrogates.versions([listing]) != before


def test_a_category_dragged_elsewhere_in_the_admin_tree_reaches_the_facets(shop, client):
    """The tree's drag and drop (treebeard's move view, no change form) goes out as an event
    too: the product's entry takes its category's new ancestors."""
    from galerie.catalog.models import Category
    from galerie.search.models import SearchValue
    from tests.factories import make_user

    novels = make_category("Romans", parent=shop["books"])
    novel = make_product(category=novels, title="Les Misérables")
    make_offer(seller=shop["seller"], variant=make_variant(product=novel), price_minor=800)
    _deliver()

    def categories() -> set[str]:
        ids = SearchEntry.objects.get(product=novel).value_ids
        return set(SearchValue.objects.filter(pk__in=ids, name="category").values_list("value", flat=True))

    assert categories() == {shop["books"].slug, novels.slug}
    client.force_login(make_user(is_staff=True, is_superuser=True))
    moved = client.post(
        "/admin/catalog/category/move/",
        {"node": novels.pk, "target": shop["games"].pk, "relation": "child"},
    )
    assert moved.status_code == 200
    assert Category.objects.get(pk=novels.pk).path.startswith(Category.objects.get(pk=shop["games"].pk).path)
    assert OutboxEvent.objects.filter(topic="category.updated", delivered_at=None).count() == 1
    _deliver()
    assert categories() == {shop["games"].slug, novels.slug}

    refused = client.post("/admin/catalog/category/move/", {"node": novels.pk, "target": novels.pk})
    assert refused.status_code == 400  # a bad move: nothing moved, no event
    assert OutboxEvent.objects.filter(topic="category.updated", delivered_at=None).count() == 0
