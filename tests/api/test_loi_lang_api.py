"""The fixed book price through the seller API and the admin (docs/loi-lang.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.models import Offer
from tests.api.conftest import Api, seller_key
from tests.factories import (
    make_category,
    make_product,
    make_product_type,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)
from tests.search.test_index_events import _admin_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def novel():
    books = make_category("Livres")
    seller = make_seller(storefronts=[make_storefront(scope=[books])])
    product = make_product(
        category=books, product_type=make_product_type(is_book=True), publisher_price=Money(1990, "EUR")
    )
    return seller, make_variant(product=product)


def _offer(variant, amount: int, condition: str = "new") -> dict:
    return {"variant_id": variant.pk, "condition": condition, "price": {"amount": amount, "currency": "EUR"},
            "stock": 3, "lead_time_days": 2}  # fmt: skip


def test_the_api_refuses_a_new_book_below_its_publishers_price_and_accepts_it_at_that_price(client, novel):
    seller, variant = novel
    api = Api(client, seller_key(seller))
    refused = api.post("/seller/offers/", _offer(variant, 1989), headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "book_price_fixed"
    assert error["errors"]["price"] == ["Loi Lang: a new book sells at its publisher's price, €19.90."]
    assert not Offer.objects.exists()
    assert api.post("/seller/offers/", _offer(variant, 1990)).status_code == 201
    # a used copy at any price
    assert api.post("/seller/offers/", _offer(variant, 350, "used")).status_code == 201
    offer = Offer.objects.get(condition="new")
    changed = api.patch(f"/seller/offers/{offer.pk}", {"price": {"amount": 1890, "currency": "EUR"}})
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "book_price_fixed"
    offer.refresh_from_db()
    assert offer.price_minor == 1990


def test_the_admin_sets_a_publishers_price_and_the_new_offers_are_told(client, novel):
    _seller, variant = novel
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:catalog_product_change", args=[variant.product_id])
    data = _admin_post_data(client.get(url))
    data["publisher_price_minor"] = "2150"
    assert client.post(url, data).status_code == 302
    assert OutboxEvent.objects.filter(topic="product.publisher_price_changed").count() == 1
    # a price with no currency is refused by the product's constraint
    data["publisher_price_currency"] = ""
    assert client.post(url, data).status_code == 200
    variant.product.refresh_from_db()
    assert (variant.product.publisher_price_minor, variant.product.publisher_price_currency) == (2150, "EUR")
