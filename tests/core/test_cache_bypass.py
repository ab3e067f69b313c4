"""``settings.CACHE_BYPASS`` (``GALERIE_CACHE_BYPASS=1``, the bench's second pass) makes every
result cache miss: the cached selectors run their queries on every call. Off, a second call
finds the result in the cache. Counted in SQL queries, on the real cache (Redis with REDIS_URL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galerie.core.caching import cached
from galerie.search.home import home_featured_categories
from galerie.search.listing import ProductFilters, listing_facets
from galerie.search.selectors import SearchFilters, search_facets, search_query_parse, search_suggest
from galerie.search.services import search_reindex
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront():
    root = make_category("Maison")
    kitchen = make_category("Cuisine", parent=root)
    shop = make_storefront(scope=[root], code="maison")
    seller = make_seller(storefronts=[shop])
    for title in ("Copper saucepan", "Cast iron saucepan"):
        make_offer(seller=seller, variant=make_variant(product=make_product(category=kitchen, title=title)))
    search_reindex()
    return shop


def _selectors(shop) -> dict[str, Callable[[], object]]:
    query = search_query_parse(storefront=shop, typed="saucepan")
    return {
        "featured categories": lambda: home_featured_categories(shop),
        "listing facets": lambda: listing_facets(
            shop, category_ids=None, filters=ProductFilters(), cache_seconds=120
        ),
        "search facets": lambda: search_facets(storefront=shop, query=query, filters=SearchFilters()),
        "suggestions": lambda: search_suggest(storefront=shop, typed="sauc"),
    }


def _queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


@pytest.mark.parametrize("name", ["featured categories", "listing facets", "search facets", "suggestions"])
def test_cached_selectors_hit_the_cache_and_compute_every_time_when_bypassed(storefront, settings, name):
    call = _selectors(storefront)[name]
    cold = _queries(call)
    assert cold > 0
    assert _queries(call) < cold, "a second call finds the result in the cache"

    settings.CACHE_BYPASS = True
    assert _queries(call) == cold, "bypassed: computed again although the cache holds it"
    assert _queries(call) == cold

    settings.CACHE_BYPASS = False
    assert _queries(call) < cold, "the cache still held it: bypassing wrote nothing over it"


def test_bypassed_results_are_neither_read_nor_written(settings):
    settings.CACHE_BYPASS = True
    calls = []
    cache.set("bypass-test", "stale", 60)
    assert cached("bypass-test", lambda: calls.append(1) or "fresh", 60) == "fresh"
    assert cached("bypass-new", lambda: calls.append(1) or "fresh", 60) == "fresh"
    assert len(calls) == 2
    assert cache.get("bypass-test") == "stale"
    assert cache.get("bypass-new") is None

    settings.CACHE_BYPASS = False
    assert cached("bypass-test", lambda: "fresh", 60) == "stale"
    assert cached("bypass-none", lambda: calls.append(1), 60) is None
    assert cached("bypass-none", lambda: calls.append(1), 60) is None
    assert len(calls) == 3, "None is a result like another: cached once"
    assert cached("bypass-zero", lambda: calls.append(1), 0) is None
    assert cached("bypass-zero", lambda: calls.append(1), 0) is None
    assert len(calls) == 5, "zero seconds caches nothing"
