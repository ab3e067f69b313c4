"""Facet counts and totals equal a brute-force count over the same catalog (Hypothesis): the
product facets by value, the offer facets (condition, seller, price with shipping) exact per
offer — "used" and "seller X" count products with a used offer of X.

Each example builds a small catalog through the services (products in two sub-categories, two
brands or none, a colour attribute, offers of three sellers of which one is suspended, some out
of stock), indexes it, draws filters, and compares the search's total and every facet count
with a count made in Python from the offers themselves, not from the index.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.catalog import services as catalog
from galerie.core.money import Money
from galerie.offers.services import offer_create
from galerie.pricing.shipping import DEFAULT_BASE_MINOR
from galerie.search.selectors import SearchFilters, SearchQuery, search_facets, search_page
from galerie.search.services import price_band, search_reindex
from galerie.sellers.services import seller_suspend
from tests.conftest import cache_empty
from tests.factories import (
    SAFE_PRODUCT,
    TESTS,
    gtin13,
    make_category,
    make_product_type,
    make_seller,
    make_storefront,
)

pytestmark = pytest.mark.django_db
CONDITIONS = ["new", "like_new", "used"]


@pytest.fixture
def world():
    root = make_category("Maison")
    children = [make_category("Cuisine", parent=root), make_category("Jardin", parent=root)]
    storefront = make_storefront(scope=[root])
    sellers = [make_seller(storefronts=[storefront]) for _ in range(3)]
    seller_suspend(seller_id=sellers[2].pk, reason="Test: suspended seller.", ground="Seller terms §7")
    brands = [catalog.brand_create(name="Alba"), catalog.brand_create(name="Borea")]
    product_type = make_product_type(
        attributes=[{"code": "colour", "name": "Colour", "kind": "choice", "choices": ["red", "blue"]}]
    )
    return {"root": root, "children": children, "storefront": storefront, "sellers": sellers,
            "brands": brands, "type": product_type}  # fmt: skip


offer = st.tuples(
    st.integers(0, 2),  # seller
    st.sampled_from(CONDITIONS),
    st.integers(100, 30000),  # price
    st.sampled_from([0, 3]),  # stock
)
product = st.tuples(
    st.integers(0, 1),  # category
    st.sampled_from([0, 1, None]),  # brand
    st.sampled_from(["red", "blue"]),
    st.lists(offer, min_size=0, max_size=4, unique_by=lambda o: (o[0], o[1])),
)
choice = st.dictionaries(
    st.sampled_from(["brand", "condition", "seller", "price", "a:colour", "category"]),
    st.integers(0, 7),
    max_size=3,
)


PRODUCT_FACETS = ("category", "brand", "a:colour")
OFFER_FACETS = ("condition", "seller", "price")


def _brute(world, products):
    """{product index: (its product facets {name: set of values}, its sellable offers as
    {name: value} of the offer facets)} for the products the storefront lists."""
    listed = {}
    for i, (category, brand, colour, offers) in enumerate(products):
        live = [o for o in offers if o[3] > 0 and o[0] != 2]
        if not live:
            continue
        facets = {
            "category": {world["children"][category].slug, world["root"].slug},
            "brand": {world["brands"][brand].slug} if brand is not None else set(),
            "a:colour": {colour},
        }
        sold = [
            {
                "condition": o[1],
                "seller": world["sellers"][o[0]].slug,
                "price": price_band(o[2] + DEFAULT_BASE_MINOR),
                "amount": o[2] + DEFAULT_BASE_MINOR,
            }
            for o in live
        ]
        listed[i] = (facets, sold)
    return listed


def _values_of(listed, name):
    if name in OFFER_FACETS:
        return sorted({o[name] for _, sold in listed.values() for o in sold})
    return sorted({v for facets, _ in listed.values() for v in facets[name]})


def _takes(entry, chosen: dict[str, tuple[str, ...]], skip: str | None = None) -> set | bool:
    """Whether the entry passes the filters but ``skip``'s: product facets by value, offer
    facets by one offer that passes all of them."""
    facets, sold = entry
    if not all(
        set(values) & facets[name]
        for name, values in chosen.items()
        if name in PRODUCT_FACETS and name != skip
    ):
        return False
    return any(
        all(o[name] in values for name, values in chosen.items() if name in OFFER_FACETS and name != skip)
        for o in sold
    )


def _count(entry, chosen, name, value) -> bool:
    facets, sold = entry
    if name in PRODUCT_FACETS:
        return value in facets[name] and _takes(entry, chosen, name)
    others = {n: v for n, v in chosen.items() if n != name}
    return _takes((facets, [o for o in sold if o[name] == value]), others)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(products=st.lists(product, min_size=1, max_size=7), picks=choice)
def test_facet_counts_and_totals_equal_a_brute_force_count(world, products, picks):
    storefront = world["storefront"]
    cache_empty()  # each example is a new catalog: no counts of the previous one
    with transaction.atomic():
        for n, (category, brand, colour, offers) in enumerate(products):
            item = catalog.product_create(
                safety=SAFE_PRODUCT,
                product_type=world["type"],
                category=world["children"][category],
                title=f"Bol {n}",
                brand=None if brand is None else world["brands"][brand],
                attributes={"colour": colour},
            )
            variant = catalog.variant_create(product=item, gtin=gtin13())
            for seller, condition, price, stock in offers:
                offer_create(by=TESTS,
                    seller=world["sellers"][seller], variant=variant, price=Money(price, "EUR"),
                    stock=stock, condition=condition,
                )  # fmt: skip
        search_reindex(storefront_ids=[storefront.pk])
        listed = _brute(world, products)
        chosen = {}
        for name, index in picks.items():
            values = _values_of(listed, name)
            if values:
                chosen[name] = (values[index % len(values)],)
        filters = SearchFilters(tuple(sorted(chosen.items())))

        page = search_page(storefront=storefront, query=SearchQuery(""), filters=filters, page_size=100)
        expected_total = sum(1 for entry in listed.values() if _takes(entry, chosen))
        assert page.total == expected_total == len(page.products)
        for shown_product in page.products:  # the price shown: the cheapest offer the filters allow
            facets, sold = listed[int(shown_product.title.split()[1])]
            passing = [o for o in sold if _takes((facets, [o]), chosen)]
            assert shown_product.best_price_minor == min(o["amount"] for o in passing)
            assert shown_product.offer_count == len(passing)

        counted = search_facets(
            storefront=storefront, query=SearchQuery(""), filters=filters, cache_seconds=0
        )
        assert counted.total == expected_total
        shown = {f.name: f for f in counted.facets}
        for name in ("brand", "condition", "seller", "price", "a:colour", "category"):
            expected = {
                value: sum(1 for entry in listed.values() if _count(entry, chosen, name, value))
                for value in _values_of(listed, name)
            }
            expected = {v: n for v, n in expected.items() if n or v in chosen.get(name, ())}  # chosen stay
            got = {v.value: v.count for v in shown[name].values} if name in shown else {}
            if name == "category":  # the level shown: the children of the chosen one, or the root
                assert got == {v: n for v, n in expected.items() if v in got}
                assert got or not expected, expected
            elif name == "a:colour" and len(expected) < 2 and name not in chosen:
                assert name not in shown  # a single value filters nothing: not shown
            else:
                assert got == expected, name
            for value in shown.get(name).values if name in shown else []:
                assert value.selected == (value.value in chosen.get(name, ()))
        transaction.set_rollback(True)
