"""Listings and search show a new book's price with the delivery the fixed book price requires
(docs/loi-lang.md), as its page and the cart do; a second-hand copy ships as the profile says."""

from __future__ import annotations

import pytest

from galerie.core.money import Money
from galerie.offers.models import Condition
from galerie.search.selectors import search_page, search_query_parse
from galerie.search.services import search_reindex
from galerie.sellers.models import ShippingProfile
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


@pytest.mark.parametrize(
    ("condition", "price", "shipped"), [(Condition.NEW, 1990, 1990 + 300), (Condition.USED, 700, 700)]
)
def test_a_book_is_listed_with_the_delivery_the_law_requires(condition, price, shipped):
    # Given a free-shipping bookseller and one copy of a book
    books = make_category("Livres")
    storefront = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=0)
    product = make_product(
        category=books,
        product_type=make_product_type(is_book=True),
        title="Le Horla",
        publisher_price=Money(1990, "EUR"),
    )
    make_offer(seller=seller, variant=make_variant(product=product), price_minor=price, condition=condition)
    # When the index is built
    search_reindex()
    # Then search shows the price a customer pays for one copy, delivery included
    page = search_page(storefront=storefront, query=search_query_parse(storefront=storefront, typed="horla"))
    assert [(p.title, p.best_price_minor) for p in page.products] == [("Le Horla", shipped)]
