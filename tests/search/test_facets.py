"""Facet counts and totals equal a brute-force count over the same catalog (Hypothesis).

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
from tests.factories import TESTS, gtin13, make_category, make_product_type, make_seller, make_storefront

pytestmark = pytest.mark.django_db
CONDITIONS = ["new", "like_new", "used"]


@pytest.fixture
def world():
    root = make_category("Maison")
    children = [make_category("Cuisine", parent=root), make_category("Jardin", parent=root)]
    storefront = make_storefront(scope=[root])
    sellers = [make_seller(storefronts=[storefront]) for _ in range(3)]
    seller_suspend(seller_id=sellers[2].pk, reason="Test: suspended seller.")
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


def _brute(world, products):
    """{product index: {facet name: set of values}} for the products the storefront lists."""
    listed = {}
    for i, (category, brand, colour, offers) in enumerate(products):
        live = [o for o in offers if o[3] > 0 and o[0] != 2]
        if not live:
            continue
        seller_slugs = {world["sellers"][o[0]].slug for o in live}
        listed[i] = {
            "category": {world["children"][category].slug, world["root"].slug},
            "brand": {world["brands"][brand].slug} if brand is not None else set(),
            "condition": {o[1] for o in live},
            "seller": seller_slugs,
            "price": {price_band(min(o[2] for o in live) + DEFAULT_BASE_MINOR)},
            "a:colour": {colour},
        }
    return listed


def _values_of(listed, name):
    return sorted({v for facets in listed.values() for v in facets[name]})


def _matches(facets, chosen: dict[str, tuple[str, ...]], skip: str | None = None) -> bool:
    return all(set(values) & facets[name] for name, values in chosen.items() if name != skip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(products=st.lists(product, min_size=1, max_size=7), picks=choice)
def test_facet_counts_and_totals_equal_a_brute_force_count(world, products, picks):
    storefront = world["storefront"]
    cache_empty()  # each example is a new catalog: no counts of the previous one
    with transaction.atomic():
        for n, (category, brand, colour, offers) in enumerate(products):
            item = catalog.product_create(
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
        expected_total = sum(1 for facets in listed.values() if _matches(facets, chosen))
        assert page.total == expected_total == len(page.products)

        counted = search_facets(
            storefront=storefront, query=SearchQuery(""), filters=filters, cache_seconds=0
        )
        assert counted.total == expected_total
        shown = {f.name: f for f in counted.facets}
        for name in ("brand", "condition", "seller", "price", "a:colour", "category"):
            expected = {
                value: sum(
                    1
                    for facets in listed.values()
                    if value in facets[name] and _matches(facets, chosen, name)
                )
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
