"""A GTIN typed in the search box finds its product whatever its spelling: a UPC-A as 12 digits,
its EAN-13, its GTIN-14, a spreadsheet's leading apostrophe. On SQLite and
PostgreSQL alike."""

from __future__ import annotations

import pytest

from galerie.search import text
from galerie.search.selectors import search_page, search_query_parse
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


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("860013870508", "0860013870508"),
        ("0860013870508", "0860013870508"),
        ("00860013870508", "0860013870508"),
        ("'0860013870508", "0860013870508"),
        ("96385074", "0000096385074"),
        ("978-2-07-036822-8", "9782070368228"),
        ("10860013870505", "10860013870505"),
    ],
)
def test_a_typed_gtin_becomes_the_catalogs_form(typed, key):
    assert text.as_gtin(typed) == key


@pytest.mark.parametrize("typed", ["860013870508", "0860013870508", "00860013870508", "'0860013870508"])
def test_a_upc_product_is_found_from_every_spelling_of_its_barcode(typed):
    shelf = make_category("Snacks")
    storefront = make_storefront(scope=[shelf], code="snacks")
    variant = make_variant(
        product=make_product(category=shelf, title="Imported crackers"), gtin="860013870508"
    )
    make_offer(seller=make_seller(storefronts=[storefront]), variant=variant)
    search_reindex()
    query = search_query_parse(storefront=storefront, typed=typed)
    assert [p.title for p in search_page(storefront=storefront, query=query).products] == [
        "Imported crackers"
    ]
