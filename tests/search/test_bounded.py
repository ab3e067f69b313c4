"""Bounded work for broad searches (docs/search.md, "Bounded work"): relevance ranks, and the
facets count, the newest CANDIDATES matches at most; above that the total is "more than" and the
counts are not shown. The bound is made small here so that a small catalogue crosses it, on
SQLite and on PostgreSQL (whose candidates come from a window of the newest entries first)."""

from __future__ import annotations

from collections import Counter

import pytest

from galerie.pricing.shipping import DEFAULT_BASE_MINOR
from galerie.search import selectors
from galerie.search.models import SearchEntry
from galerie.search.selectors import SearchFilters, SearchSort, search_facets, search_page, search_query_parse
from galerie.search.services import price_band, search_reindex
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
def shop():
    """Eight "policier" novels (the oldest the cheapest, the two newest used) and one other book."""
    books = make_category("Romans")
    storefront = make_storefront(scope=[books], code="bd", name="Bounded Shop")
    seller = make_seller(storefronts=[storefront])
    for n in range(8):
        product = make_product(category=books, title=f"Roman policier numéro {n}")
        condition = "used" if n >= 6 else "new"
        make_offer(seller=seller, variant=make_variant(product=product), price_minor=1000 + 100 * n,
                   condition=condition)  # fmt: skip
    other = make_product(category=books, title="Atlas des oiseaux")
    make_offer(seller=seller, variant=make_variant(product=other), price_minor=5000)
    search_reindex()
    return storefront


@pytest.mark.parametrize("window", [2, 5, 1000])
@pytest.mark.parametrize("bound", [1, 3, 8, 20])
def test_the_candidates_are_the_newest_matches_whatever_the_window(shop, monkeypatch, bound, window):
    monkeypatch.setattr(selectors, "WINDOW", window)
    query = search_query_parse(storefront=shop, typed="policier")
    entries = selectors._entries(shop, query, SearchFilters(), {})
    expected = list(
        SearchEntry.objects.filter(storefront_id=shop.pk, title_terms__contains="polici")
        .order_by("-product_id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 8
    assert selectors._candidates(shop, entries, bound) == expected[:bound]


def test_a_search_matching_more_than_the_bound_says_so_and_shows_no_counts(shop, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    monkeypatch.setattr(selectors, "WINDOW", 2)
    query = search_query_parse(storefront=shop, typed="policier")
    page = search_page(storefront=shop, query=query, page_size=10)
    assert page.more and page.total == 3 and page.pages == 1
    # Ranked: the newest three matches (equal scores: newest first).
    assert [p.title for p in page.products] == [f"Roman policier numéro {n}" for n in (7, 6, 5)]
    assert page.facets and all(v.count is None for facet in page.facets for v in facet.values)
    conditions = {v.value for f in page.facets if f.name == "condition" for v in f.values}
    assert conditions == {"new", "used"}  # the values found among them are offered


def test_a_narrower_filter_under_the_bound_gets_exact_counts_again(shop, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    query = search_query_parse(storefront=shop, typed="policier")
    used = SearchFilters((("condition", ("used",)),))
    counted = search_facets(storefront=shop, query=query, filters=used, cache_seconds=0)
    assert counted.total == 2 and not counted.more
    facets = {f.name: f for f in counted.facets}
    bands = Counter(price_band(p + DEFAULT_BASE_MINOR) for p in (1600, 1700))
    assert {v.value: v.count for v in facets["price"].values} == dict(bands)
    # The condition facet ignores its own filter: counted over the 8 matches, above the bound.
    assert all(v.count is None for v in facets["condition"].values)
    page = search_page(storefront=shop, query=query, filters=used)
    assert [p.title for p in page.products] == [f"Roman policier numéro {n}" for n in (7, 6)]


def test_a_price_sort_stays_exact_over_every_match(shop, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    query = search_query_parse(storefront=shop, typed="policier")
    page = search_page(storefront=shop, query=query, sort=SearchSort.PRICE_ASC, page_size=3)
    # The cheapest is the oldest: outside the three newest, found all the same.
    assert page.products[0].title == "Roman policier numéro 0"


def test_the_page_reads_more_than_in_french_without_counts(client, shop, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    html = client.get("/s/bd/search/", {"q": "policier"}).content.decode()
    assert 'data-more="true"' in html and "Plus de 3 produits\xa0: ajoutez un mot ou un filtre" in html
    assert 'class="facet-count"' not in html
    exact = client.get("/s/bd/search/", {"q": "atlas"}).content.decode()
    assert "data-more" not in exact and 'class="facet-count"' in exact


def test_a_whole_title_beyond_the_bound_still_comes_first(monkeypatch):
    """*Dune* is older than the newest CANDIDATES products that mention the word: it is ranked
    anyway (its exact title), and first."""
    books = make_category("Science-fiction")
    storefront = make_storefront(scope=[books], code="sf", name="Exact Shop")
    seller = make_seller(storefronts=[storefront])
    dune = make_product(category=books, title="Dune")
    make_offer(seller=seller, variant=make_variant(product=dune), price_minor=900)
    for n in range(6):
        product = make_product(category=books, title=f"Les enfants de Dune, tome {n}")
        make_offer(seller=seller, variant=make_variant(product=product), price_minor=1000 + n)
    search_reindex()
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    page = search_page(storefront=storefront, query=search_query_parse(storefront=storefront, typed="dune"))
    assert page.more
    assert page.products[0].pk == dune.pk
    assert len(page.products) == 4  # the newest three, and the exact title
