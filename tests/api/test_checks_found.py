"""What the API's checks (test_schema.py, test_isolation.py) found, each pinned by a plain test."""

from __future__ import annotations

import pytest

from galerie.api.urls import api as ninja_api
from galerie.offers.models import Offer
from tests.api.conftest import Api, seller_key
from tests.factories import make_offer, make_seller, make_storefront, make_variant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("currency", ["Carried forward", "eur", "XQQ"])
def test_a_price_in_no_currency_is_a_422_naming_it_and_changes_nothing(client, currency):
    # schemathesis: PATCH /seller/offers/{id} with {"price": {"currency": "Carried forward"}} was a 500
    # (the domain's Money refused the code inside the service).
    seller = make_seller(storefronts=[make_storefront()])
    offer = make_offer(seller=seller, variant=make_variant(), price_minor=1990, stock=5)
    owner = Api(client, seller_key(seller))
    changes = offer.changes.count()
    response = owner.patch(f"/seller/offers/{offer.pk}", {"price": {"amount": 405, "currency": currency}})
    assert response.status_code == 422, response.content
    assert "price.currency" in response.json()["error"]["errors"]
    offer.refresh_from_db()
    assert (offer.price_minor, offer.currency) == (1990, "EUR")
    assert Offer.objects.get(pk=offer.pk).changes.count() == changes


def test_a_method_a_route_does_not_have_is_a_405_with_the_error_body(client):
    # ninja's own answer was a plain-text 405, outside the one error body.
    response = Api(client).delete("/seller/me")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_operator_and_the_storefront_publish_their_own_storefront_schemas():
    # The OpenAPI document keeps one schema per class name: the operator's StorefrontOut replaced
    # the public list's, whose answers then broke their published schema.
    schemas = ninja_api.get_openapi_schema()["components"]["schemas"]
    public = ninja_api.get_openapi_schema()["paths"]["/api/v1/storefronts/"]["get"]["responses"][200]
    ref = public["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schemas[ref]["properties"]) == {"code", "name", "language", "currency"}
    assert "OperatorStorefrontOut" in schemas and "OperatorSellerOut" in schemas


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("0150-11-10T03:36:51-23:58", 200),
        ("2026-01-01T10:00:00+15:30", 200),
        ("0001-01-01T00:00:00+01:00", 422),
    ],
)
def test_a_filter_time_with_any_offset_is_compared_in_utc(client, since, status):
    # schemathesis on PostgreSQL: an offset past ±15:59 (valid ISO 8601) was a 500 (DataError).
    seller = make_seller(storefronts=[make_storefront()])
    make_offer(seller=seller, variant=make_variant(), price_minor=1990, stock=5)
    response = Api(client, seller_key(seller)).get("/seller/offers/", updated_since=since)
    assert response.status_code == status, response.content
    if status == 422:
        assert "updated_since" in response.json()["error"]["errors"]
    else:
        assert len(response.json()["items"]) == 1


def test_the_guest_cart_routes_say_a_credential_is_optional():
    # The walker: POST /storefronts/{code}/cart served a caller without a credential (a guest)
    # while the schema required CustomerToken or CustomerSession.
    paths = ninja_api.get_openapi_schema()["paths"]
    cart = paths["/api/v1/storefronts/{code}/cart"]["post"]["security"]
    assert {} in cart and {"CustomerToken": []} in cart
    assert {} not in paths["/api/v1/storefronts/{code}/orders"]["get"]["security"]
    assert {} not in paths["/api/v1/seller/me"]["get"]["security"]
