"""Attribute facets carry the name the storefront's own product types give the attribute."""

import pytest

from galerie.search.selectors import SearchFilters, SearchQuery, search_facets
from galerie.search.services import search_reindex
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_product_type,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db


def _colour_type(name: str):
    return make_product_type(
        attributes=[{"code": "colour", "name": name, "kind": "choice", "choices": ["red", "blue"]}]
    )


def test_an_attribute_facet_is_named_by_a_type_the_storefront_lists():
    french_type, english_type = _colour_type("Coloris"), _colour_type("Colour")  # French first: lower pk
    mugs, bols = make_category("Mugs"), make_category("Bols")
    english = make_storefront(scope=[mugs], default_language="en")
    french = make_storefront(scope=[bols])
    seller = make_seller(storefronts=[english, french])
    for category, product_type in ((mugs, english_type), (bols, french_type)):
        for colour in ("red", "blue"):
            product = make_product(
                category=category, product_type=product_type, attributes={"colour": colour}
            )
            make_offer(seller=seller, variant=make_variant(product=product))
    search_reindex()

    def colour_facet(storefront):
        facets = search_facets(
            storefront=storefront, query=SearchQuery(""), filters=SearchFilters(), cache_seconds=0
        )
        return next(f for f in facets.facets if f.name == "a:colour")

    assert colour_facet(english).label == "Colour"
    assert colour_facet(french).label == "Coloris"
    assert sorted((v.value, v.count) for v in colour_facet(english).values) == [("blue", 1), ("red", 1)]
