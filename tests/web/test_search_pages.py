"""The search pages: results with facet links, suggestions, the ranking page; bad query strings
are read leniently; the query count does not grow with the catalogue."""

from __future__ import annotations

import pytest
from django.core.cache import cache

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


def _shop(products: int):
    books = make_category("Romans")
    storefront = make_storefront(scope=[books], code="sp", name="Search Shop")
    seller = make_seller(storefronts=[storefront])
    for n in range(products):
        product = make_product(category=books, title=f"Roman policier numéro {n}")
        make_offer(seller=seller, variant=make_variant(product=product), price_minor=1000 + 10 * n)
    search_reindex()
    return storefront


def test_results_link_every_facet_value_and_sort(client):
    _shop(3)
    html = client.get("/s/sp/search/", {"q": "policier"}).content.decode()
    assert 'data-total="3"' in html
    assert "Résultats pour «\xa0policier\xa0»" in html
    assert 'href="?q=policier&amp;condition=new"' in html  # facet values are links
    assert 'href="?q=policier&amp;sort=price_asc"' in html
    narrowed = client.get("/s/sp/search/", {"q": "policier", "condition": "used"}).content.decode()
    assert 'data-total="0"' in narrowed and "Tout effacer" in narrowed


def test_an_empty_search_leads_to_the_storefront_home(client):
    _shop(1)
    response = client.get("/s/sp/search/", {"q": "  "})
    assert response.status_code == 302 and response["Location"] == "/s/sp/"


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "999999999999"},
        {"sort": "cheapest"},
        {"brand": "x" * 500},
        {"a:colour'--": "red"},
        {"q": "\x00\x01"},
        {"q": "é" * 1000},
        {"category": ["a", "b"]},
        {"price": ["abc", "5-x", "-"]},
        {"price": "99999999999999999999-"},
        {"condition": "mint"},
        {"brand": "", "seller": "\x7f"},
    ],
)
def test_a_malformed_query_string_is_read_leniently(client, params):
    _shop(2)
    response = client.get("/s/sp/search/", {"q": "roman", **params})
    assert response.status_code == 200
    assert b"data-total=" in response.content


def test_suggestions_offer_products_as_the_customer_types(client):
    _shop(3)
    html = client.get("/s/sp/search/suggest/", {"q": "poli"}).content.decode()
    assert html.count('class="suggest-item"') == 3 and "/s/sp/p/" in html
    assert client.get("/s/sp/search/suggest/", {"q": "p"}).content.decode().strip() == ""
    assert "Rien ne commence par" in client.get("/s/sp/search/suggest/", {"q": "zzqq"}).content.decode()


def test_the_ranking_page_publishes_the_weights_the_search_uses(client):
    from galerie.search.backends import WEIGHTS

    _shop(1)
    html = client.get("/s/sp/ranking/").content.decode()
    for weight in WEIGHTS.values():
        assert f"<td>{str(weight).replace('.', ',')}</td>" in html  # in French
    assert "2019/1150" in html


@pytest.mark.parametrize("products", [3, 30])
def test_the_search_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, products):
    _shop(products)
    cache.clear()
    with django_assert_max_num_queries(12):
        response = client.get(
            "/s/sp/search/", {"q": "roman policiér", "condition": "new", "sort": "price_asc"}
        )
    assert response.status_code == 200
    assert f'data-total="{products}"' in response.content.decode()
    with django_assert_max_num_queries(6):
        client.get("/s/sp/search/suggest/", {"q": "roman pol"})


def test_a_link_is_the_query_string_urlencode_makes():
    from urllib.parse import urlencode

    from galerie.search.selectors import SearchFilters, SearchSort
    from galerie.web.views.search import SearchParams

    chosen = (("a:taille", ("1/2 & +", "L")), ("brand", ("émaux-co",)), ("price", ("1000-2000",)))
    params = SearchParams("tea & “pots”=1", SearchFilters(chosen), SearchSort.PRICE_ASC, 3)
    pairs = [("q", params.typed), *((n, v) for n, values in chosen for v in values)]
    assert params.link(page=3) == "?" + urlencode([*pairs, ("sort", "price_asc"), ("page", "3")])
    assert params.link(sort=SearchSort.RELEVANCE) == "?" + urlencode(pairs)
    assert SearchParams().link(filters=SearchFilters()) == "?"
