"""The facet counts the indexer keeps (``SearchCount``, galerie.search.counts) equal a count made
from the entries themselves: after any sequence of index changes made the way the worker makes
them (offers created, restocked, emptied, repriced; products moved, rebranded, unpublished,
deleted), after a full reindex, and the reindex changes nothing then. Both databases.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.catalog import services as catalog
from galerie.catalog.models import Product
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.services import offer_create, offer_price_set, offer_stock_set
from galerie.search.counts import COUNTED, SCOPES, counts_rebuild
from galerie.search.models import SearchCount, SearchEntry, SearchValue
from galerie.search.services import search_index_products, search_reindex
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
CONDITIONS = ["new", "used"]


@pytest.fixture
def world():
    root = make_category("Maison")
    kitchen = make_category("Cuisine", parent=root)
    children = [kitchen, make_category("Bols", parent=kitchen), make_category("Jardin", parent=root)]
    storefronts = [make_storefront(scope=[root]), make_storefront(scope=[kitchen])]
    sellers = [make_seller(storefronts=storefronts) for _ in range(3)]
    brands = [catalog.brand_create(name="Alba"), catalog.brand_create(name="Borea")]
    product_type = make_product_type(attributes=[])
    return {"children": children, "sellers": sellers, "brands": brands, "type": product_type}


def table() -> Counter:
    return Counter(
        {(r.storefront_id, r.scope, r.name, r.value): r.n for r in SearchCount.objects.all() if r.n}
    )


def brute_force() -> Counter:
    """Per storefront, scope (the "all" value, each category value) and counted value: the
    entries taking both, counted one by one."""
    names = dict(SearchValue.objects.values_list("pk", "name"))
    counts: Counter = Counter()
    for entry in SearchEntry.objects.all():
        ids = set(entry.value_ids)
        for scope in (i for i in ids if names[i] in SCOPES):
            for value in (i for i in ids if names[i] in COUNTED):
                counts[(entry.storefront_id, scope, names[value], value)] += 1
    return counts


offer = st.tuples(st.integers(0, 2), st.sampled_from(CONDITIONS), st.integers(100, 9000))
change = st.one_of(
    st.tuples(st.just("offer"), st.integers(0, 3), offer),
    st.tuples(st.just("stock"), st.integers(0, 3), st.integers(0, 7), st.sampled_from([0, 2])),
    st.tuples(st.just("price"), st.integers(0, 3), st.integers(0, 7), st.integers(100, 9000)),
    st.tuples(st.just("move"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("brand"), st.integers(0, 3), st.sampled_from([0, 1, None])),
    st.tuples(st.just("status"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 3)),
)


def apply(world, products: list[Product | None], step) -> list[int]:
    """Make one change; return the products to index again (as the worker would)."""
    kind, index, *args = step
    product = products[index]
    if product is None:
        return []
    if kind == "offer":
        seller, condition, price = args[0]
        variant = product.variants.first()
        if not Offer.objects.filter(variant=variant, seller=world["sellers"][seller], condition=condition):
            offer_create(
                by=TESTS, seller=world["sellers"][seller], variant=variant, price=Money(price, "EUR"),
                stock=3, condition=condition,
            )  # fmt: skip
    elif kind in ("stock", "price"):
        offers = list(Offer.objects.filter(variant__product=product).order_by("pk"))
        if not offers:
            return []
        chosen = offers[args[0] % len(offers)]
        if kind == "stock":
            offer_stock_set(offer_id=chosen.pk, stock=args[1], by=TESTS)
        else:
            offer_price_set(offer_id=chosen.pk, price=Money(args[1], "EUR"), by=TESTS)
    elif kind == "move":
        Product.objects.filter(pk=product.pk).update(category=world["children"][args[0]])
    elif kind == "brand":
        brand = None if args[0] is None else world["brands"][args[0]]
        Product.objects.filter(pk=product.pk).update(brand=brand)
    elif kind == "status":
        status = Product.Status.PUBLISHED if args[0] else Product.Status.DRAFT
        Product.objects.filter(pk=product.pk).update(status=status)
    elif kind == "delete":
        # Its offers first (they protect it), then the product: its entries, still there, go
        # by cascade without the indexer, and the counts must follow.
        Offer.objects.filter(variant__product=product)._raw_delete(Offer.objects.db)
        product.delete()
        products[index] = None
        return []
    return [product.pk]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from([0, 1, None]), offer), min_size=4, max_size=4
    ),
    changes=st.lists(change, max_size=8),
)
def test_counts_follow_the_entries_through_changes_and_a_reindex(world, start, changes):
    with transaction.atomic():
        products: list[Product | None] = []
        for n, (category, brand, first) in enumerate(start):
            item = catalog.product_create(safety=SAFE_PRODUCT,
                product_type=world["type"], category=world["children"][category], title=f"Bol {n}",
                brand=None if brand is None else world["brands"][brand],
            )  # fmt: skip
            catalog.variant_create(product=item, gtin=gtin13())
            products.append(item)
            apply(world, products, ("offer", n, first))
        search_index_products(product_ids=[p.pk for p in products if p is not None])
        assert table() == brute_force()
        for step in changes:
            if touched := apply(world, products, step):
                search_index_products(product_ids=touched)
            assert table() == brute_force(), step
        kept = table()
        search_reindex()
        assert table() == brute_force() == kept
        transaction.set_rollback(True)


def test_a_recount_of_one_storefront_leaves_the_others(world):
    item = catalog.product_create(
        safety=SAFE_PRODUCT, product_type=world["type"], category=world["children"][1], title="Bol"
    )
    variant = catalog.variant_create(product=item, gtin=gtin13())
    offer_create(by=TESTS, seller=world["sellers"][0], variant=variant, price=Money(500, "EUR"), stock=2)
    search_index_products(product_ids=[item.pk])
    before = table()
    assert {key[0] for key in before} == set(SearchEntry.objects.values_list("storefront_id", flat=True))
    one = SearchEntry.objects.values_list("storefront_id", flat=True).first()
    SearchCount.objects.all().update(n=99)
    with transaction.atomic():
        counts_rebuild([one])
    after = table()
    assert {k: n for k, n in after.items() if k[0] == one} == {k: n for k, n in before.items() if k[0] == one}
    assert all(n == 99 for k, n in after.items() if k[0] != one)
