"""API keys are rate limited per key and per account (a seller's keys together), wrong keys per
IP; every 429 is the API's error body with a Retry-After in seconds (tests/api/test_foundation.py
has the per-key, per-IP and per-e-mail basics)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, seller_key
from tests.factories import make_seller, make_storefront, make_user

pytestmark = pytest.mark.django_db


def assert_rate_limited(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60  # the rest of the one-minute window
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and "Retry-After" in error["message"]


def test_a_sellers_keys_share_the_accounts_limit(client, settings):
    settings.GALERIE_API_RATES = {"account": "3/m"}
    seller = make_seller()
    erp, shop = Api(client, seller_key(seller)), Api(client, seller_key(seller))
    assert [erp.get("/seller/me").status_code, shop.get("/seller/me").status_code] == [200, 200]
    assert erp.get("/seller/me").status_code == 200

    assert_rate_limited(shop.get("/seller/me"))
    assert_rate_limited(erp.get("/seller/me"))
    # another seller's key counts on its own account
    assert Api(client, seller_key(make_seller())).get("/seller/me").status_code == 200


def test_a_staff_users_keys_share_the_accounts_limit(client, settings):
    from galerie.api.services import staff_api_token_create

    settings.GALERIE_API_RATES = {"account": "2/m"}
    staff = make_user(is_staff=True)
    keys = [staff_api_token_create(user=staff, name=f"k{n}")[1] for n in range(2)]
    assert [Api(client, key).get("/operator/me").status_code for key in keys] == [200, 200]
    assert_rate_limited(Api(client, keys[0]).get("/operator/me"))


ROUTE_OF = {"glr_": "/seller/me", "gls_": "/operator/me", "glc_": "/storefronts/plume/orders"}


@pytest.mark.parametrize("prefix", ROUTE_OF)
def test_wrong_keys_are_refused_per_ip_with_the_error_body_and_retry_after(client, settings, prefix):
    settings.GALERIE_API_RATES = {"failed_auth": "3/m"}
    make_storefront(code="plume")
    route = ROUTE_OF[prefix]
    for n in range(3):
        assert Api(client, f"{prefix}guess{n}").get(route).status_code == 401

    assert_rate_limited(Api(client, f"{prefix}guess9").get(route))
    # the count is the client's address: another one may still try
    other = client.get(
        f"/api/v1{route}", headers={"Authorization": f"Bearer {prefix}x"}, REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 401


def test_a_key_over_its_rate_is_not_replayed_under_its_idempotency_key(client, settings):
    settings.GALERIE_API_RATES = {"key": "1/m"}
    api = Api(client, seller_key(make_seller()))
    assert api.get("/seller/me").status_code == 200
    first = api.post("/seller/offers/", {}, headers={"Idempotency-Key": "k-123456789012345"})
    assert_rate_limited(first)
    settings.GALERIE_API_RATES = {"key": "100/m"}
    again = api.post("/seller/offers/", {}, headers={"Idempotency-Key": "k-123456789012345"})
    assert again.status_code != 429 and "Idempotent-Replayed" not in again


def test_wrong_passwords_at_the_token_route_get_the_error_body_and_retry_after(api, settings):
    settings.GALERIE_API_RATES = {"failed_auth": "3/m"}
    make_storefront(code="plume")
    make_user(email="lea@example.test", password="the-right-password")
    for n in range(3):
        wrong = api.post("/storefronts/plume/auth/token", {"email": "lea@example.test", "password": f"w{n}"})
        assert wrong.json()["error"]["code"] == "wrong_credentials"
    right = {"email": "lea@example.test", "password": "the-right-password"}
    assert_rate_limited(api.post("/storefronts/plume/auth/token", right))
