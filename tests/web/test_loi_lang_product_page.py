"""The product page and the storefront API of a book (docs/loi-lang.md): second-hand copies are
labelled « occasion », a new copy shows the fixed book price and no free delivery."""

from __future__ import annotations

import pytest

from galerie.core.money import Money
from galerie.offers.models import Condition
from galerie.sellers.models import ShippingProfile
from tests.api.conftest import Api
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


@pytest.fixture
def book():
    books = make_category("Livres")
    storefront = make_storefront(code="plume", name="Page et Plume", default_language="fr", scope=[books])
    shop, private = make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront])
    # free delivery above 25 €: new books never get it
    ShippingProfile.objects.create(seller=shop, kind="flat", base_minor=0, free_above_minor=2500)
    ShippingProfile.objects.create(seller=private, kind="flat", base_minor=0)
    product = make_product(
        category=books,
        product_type=make_product_type(is_book=True),
        publisher_price=Money(1990, "EUR"),
        slug="le-horla",
    )
    variant = make_variant(product=product)
    make_offer(seller=shop, variant=variant, price_minor=1990, stock=5)
    make_offer(seller=private, variant=variant, price_minor=2490, stock=1, condition=Condition.USED)
    return product


def test_the_french_product_page_labels_a_used_book_occasion_and_states_the_fixed_price(client, book):
    page = client.get("/s/plume/p/le-horla/").content.decode()
    assert '<span class="badge">occasion</span>' in page
    assert "Prix unique du livre : un livre neuf se vend au prix fixé par l’éditeur (loi Lang)." in page
    # the new copy pays the 3.00 € floor (19.90 € of new books, under 35 €), not "free"
    buy_box = page.split('class="buybox"')[1].split("</section>")[0]
    assert "3,00" in buy_box and "gratuite" not in buy_box.lower()


def test_the_storefront_api_gives_the_publishers_price_and_the_second_hand_flag(client, book):
    body = Api(client).get("/storefronts/plume/products/le-horla").json()
    assert body["is_book"] is True
    assert body["publisher_price"] == {"amount": 1990, "currency": "EUR"}
    (variant,) = body["variants"]
    new, (used,) = variant["buy_box"], variant["other_offers"]
    assert (new["condition"], new["second_hand_book"], new["free_shipping_above"]) == ("new", False, None)
    assert new["shipping"] == {"amount": 300, "currency": "EUR"}
    assert (used["condition"], used["second_hand_book"], used["shipping"]["amount"]) == ("used", True, 0)
