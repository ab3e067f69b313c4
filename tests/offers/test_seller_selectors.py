"""The seller portal's reads of offers: scoped to one seller, keyset pages, catalog search."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import Product
from galerie.offers.errors import OfferNotFound
from galerie.offers.models import Offer
from galerie.offers.selectors.seller import (
    FIND_LIMIT,
    InvalidGtin,
    looks_like_gtin,
    offer_get_for_seller,
    offers_for_seller,
    variant_get_for_listing,
    variants_find_for_seller,
)
from tests.factories import (
    gtin13,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    books = make_category("Books")
    music = make_category("Music")
    storefront = make_storefront(scope=[books], name="Page et Plume")
    seller = make_seller(storefronts=[storefront])
    other = make_seller(storefronts=[storefront])
    novel = make_variant(product=make_product(category=books, title="Le Tour du monde en 80 jours"))
    atlas = make_variant(product=make_product(category=books, title="Atlas of Remote Islands"))
    record = make_variant(product=make_product(category=music, title="Kind of Blue"))
    return {
        "storefront": storefront,
        "seller": seller,
        "other": other,
        "novel": novel,
        "atlas": atlas,
        "record": record,
        "books": books,
        "music": music,
    }


def test_a_seller_sees_only_its_offers_newest_first_with_a_storefront_link(world):
    seller = world["seller"]
    mine = [
        make_offer(seller=seller, variant=world["novel"]),
        make_offer(seller=seller, variant=world["record"]),
    ]
    make_offer(seller=world["other"], variant=world["novel"])
    page = offers_for_seller(seller)
    assert [o.pk for o in page.offers] == [mine[1].pk, mine[0].pk]
    assert page.next_after is None
    # The book is in the storefront's scope; the record is in no storefront the seller sells on.
    assert page.offers[1].storefront == world["storefront"]
    assert page.offers[0].storefront is None


def test_keyset_pages_cover_every_offer_once(world):
    seller = world["seller"]
    offers = [make_offer(seller=seller, variant=make_variant()) for _ in range(5)]
    seen, after = [], None
    while True:
        page = offers_for_seller(seller, after=after, limit=2)
        seen += [o.pk for o in page.offers]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted((o.pk for o in offers), reverse=True)


def test_search_by_title_sku_and_gtin_and_filter_by_status_and_low_stock(world):
    seller = world["seller"]
    novel = make_offer(seller=seller, variant=world["novel"], seller_sku="VERNE-80", stock=2)
    atlas = make_offer(seller=seller, variant=world["atlas"], seller_sku="ATL-1", stock=40)
    make_offer(seller=world["other"], variant=world["atlas"], seller_sku="VERNE-80")

    def ids(**filters):
        return [o.pk for o in offers_for_seller(seller, **filters).offers]

    assert ids(q="tour DU monde") == [novel.pk]
    assert ids(q="verne") == [novel.pk]
    assert ids(q=world["atlas"].gtin) == [atlas.pk]
    assert ids(q="nothing like this") == []
    assert ids(low_stock=True) == [novel.pk]
    Offer.objects.filter(pk=novel.pk).update(status=Offer.Status.PAUSED)
    assert ids(low_stock=True) == []  # a paused offer does not sell: no alert
    assert ids(status="paused") == [novel.pk]
    assert ids(status="active") == [atlas.pk]
    assert ids(status="not-a-status") == [atlas.pk, novel.pk]


def test_the_list_takes_a_fixed_number_of_queries(world):
    seller = world["seller"]
    make_offer(seller=seller, variant=world["novel"])
    with CaptureQueriesContext(connection) as few:
        offers_for_seller(seller)
    for _ in range(12):
        make_offer(seller=seller, variant=make_variant(product=make_product(category=world["books"])))
    with CaptureQueriesContext(connection) as many:
        page = offers_for_seller(seller)
        [o.variant.product.category.path for o in page.offers]
    assert len(many) == len(few) <= 3


def test_another_sellers_offer_is_not_found(world):
    theirs = make_offer(seller=world["other"], variant=world["novel"])
    mine = make_offer(seller=world["seller"], variant=world["novel"])
    assert offer_get_for_seller(world["seller"], mine.pk) == mine
    with pytest.raises(OfferNotFound):
        offer_get_for_seller(world["seller"], theirs.pk)
    with pytest.raises(OfferNotFound):
        offer_get_for_seller(world["seller"], 10**9)


def test_a_variant_may_be_listed_only_in_an_admitted_storefronts_published_catalog(world):
    seller = world["seller"]
    variant = variant_get_for_listing(seller, world["novel"].pk)
    assert variant.storefront == world["storefront"]
    with pytest.raises(ProductNotFound):
        variant_get_for_listing(seller, world["record"].pk)  # music: outside the scope
    Product.objects.filter(pk=world["atlas"].product_id).update(status=Product.Status.DRAFT)
    with pytest.raises(ProductNotFound):
        variant_get_for_listing(seller, world["atlas"].pk)
    with pytest.raises(ProductNotFound):
        variant_get_for_listing(seller, 10**9)
    # A seller not (yet) admitted anywhere may list nothing.
    pending = make_seller(storefronts=[world["storefront"]], active=False)
    with pytest.raises(ProductNotFound):
        variant_get_for_listing(pending, world["novel"].pk)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9782070612758", True), ("978-2-07-061275-8", True), ("1984", False), ("Dune", False), ("", False)],
)
def test_a_gtin_is_told_from_a_name(text, expected):
    assert looks_like_gtin(text) is expected


def test_find_by_gtin_checks_the_check_digit(world):
    good = world["novel"].gtin
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(InvalidGtin):
        variants_find_for_seller(world["seller"], wrong)
    result = variants_find_for_seller(world["seller"], good)
    assert [v.pk for p in result.products for v in p.listed_variants] == [world["novel"].pk]
    assert result.gtin == good
    # A valid GTIN the catalogs of the seller's storefronts do not hold: nothing.
    assert variants_find_for_seller(world["seller"], world["record"].gtin).products == []
    assert variants_find_for_seller(world["seller"], gtin13()).products == []


def test_find_by_name_is_case_insensitive_capped_and_marks_what_the_seller_sells(world):
    seller = world["seller"]
    second = make_variant(product=world["novel"].product, name="Hardcover", gtin=gtin13())
    make_offer(seller=seller, variant=world["novel"], condition="used")
    make_offer(seller=world["other"], variant=second)
    result = variants_find_for_seller(seller, "TOUR du")
    [product] = result.products
    assert [v.pk for v in product.listed_variants] == [world["novel"].pk, second.pk]
    assert product.listed_variants[0].sold_conditions == {"used"}
    assert product.listed_variants[1].sold_conditions == set()
    assert variants_find_for_seller(seller, "kind of blue").products == []  # out of scope
    Product.objects.filter(pk=world["novel"].product_id).update(status=Product.Status.WITHDRAWN)
    assert variants_find_for_seller(seller, "tour du").products == []
    for n in range(FIND_LIMIT + 3):
        make_variant(product=make_product(category=world["books"], title=f"Voyage {n}"))
    with CaptureQueriesContext(connection) as queries:
        found = variants_find_for_seller(seller, "voyage").products
    assert len(found) == FIND_LIMIT
    assert found[0].title == f"Voyage {FIND_LIMIT + 2}"  # newest first
    assert len(queries) <= 5


def test_a_seller_admitted_nowhere_finds_nothing(world):
    pending = make_seller(storefronts=[world["storefront"]], active=False)
    assert variants_find_for_seller(pending, "tour").products == []
