"""The API's common parts: authentication, the error body, rate limits, Idempotency-Key, cursors."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.api.models import IdempotencyRecord
from galerie.api.pagination import paginate
from galerie.core.errors import InvalidInput
from galerie.sellers.models import SellerApiToken, SellerMember
from galerie.storefronts.models import Storefront
from tests.api.conftest import Api, seller_key
from tests.factories import make_seller, make_storefront, make_user

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_1_and_the_docs_page_loads(api):
    schema = api.get("/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    docs = api.client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_every_operation_has_its_own_id_and_declares_its_errors():
    from galerie.api.urls import api

    operations = [op for item in api.get_openapi_schema()["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for op in operations:
        assert {401, 404, 422, 429} <= {int(code) for code in op["responses"]}, op["operationId"]


def test_a_seller_key_names_its_seller_and_role(client):
    seller = make_seller()
    api = Api(client, seller_key(seller, SellerMember.Role.SHIPPING_CLERK))
    body = api.get("/seller/me").json()
    assert (body["id"], body["role"]) == (seller.pk, "shipping_clerk")
    assert "edit_offers" not in body["permissions"] and "fulfil_orders" in body["permissions"]
    assert SellerApiToken.objects.get(seller=seller).last_used_at is not None


@pytest.mark.parametrize("key", ["", "glr_wrong", "gls_wrong", "glc_wrong", "Basic abc"])
def test_no_key_or_a_wrong_one_is_a_401_with_the_error_body(client, key):
    response = Api(client, key).get("/seller/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_revoked_key_or_a_closed_sellers_key_stops_at_once(client):
    seller = make_seller()
    api = Api(client, seller_key(seller))
    assert api.get("/seller/me").status_code == 200
    SellerApiToken.objects.filter(seller=seller).update(revoked_at="2026-01-01T00:00Z")
    assert api.get("/seller/me").status_code == 401


def test_credentials_do_not_open_each_others_routes(seller_api, staff_api, customer_api):
    assert seller_api.get("/operator/me").status_code == 401
    assert customer_api.get("/seller/me").status_code == 401
    assert staff_api.get("/seller/me").status_code == 401
    assert staff_api.get("/operator/me").status_code == 200


def test_a_staff_key_stops_when_its_user_is_no_longer_staff(staff_api):
    from galerie.api.models import StaffApiToken

    user = StaffApiToken.objects.get().user
    user.is_staff = False
    user.save()
    assert staff_api.get("/operator/me").status_code == 401


def test_an_unknown_route_is_a_json_404(api):
    response = api.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_malformed_body_says_which_field_and_changes_nothing(api):
    storefront = make_storefront()
    response = api.post(f"/storefronts/{storefront.code}/auth/token", {"email": "a@b.test"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and "password" in error["errors"]
    not_json = api.client.post(
        f"/api/v1/storefronts/{storefront.code}/auth/token", "{nope", content_type="application/json"
    )
    assert not_json.status_code in {400, 422} and "error" in not_json.json()


def test_a_customer_signs_in_and_a_new_password_ends_the_token(api):
    storefront = make_storefront()
    user = make_user(email="ines@example.test", password="a-long-test-password")
    response = api.post(
        f"/storefronts/{storefront.code}/auth/token",
        {"email": "Ines@example.test", "password": "a-long-test-password"},
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    from galerie.api.auth import customer_token_user

    assert customer_token_user(token) == user
    user.set_password("another-long-password")
    user.save()
    assert customer_token_user(token) is None


def test_a_closed_storefront_is_not_found(api):
    storefront = make_storefront()
    Storefront.objects.filter(pk=storefront.pk).update(status=Storefront.Status.CLOSED)
    response = api.post(f"/storefronts/{storefront.code}/auth/token", {"email": "x@y.test", "password": "p"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "storefront_not_found"


# --- rate limits ---------------------------------------------------------------------------


def test_a_key_over_its_rate_gets_429_with_retry_after(seller_api, settings):
    settings.GALERIE_API_RATES = {"key": "3/m"}
    codes = [seller_api.get("/seller/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = seller_api.get("/seller/me")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"


def test_each_key_has_its_own_count(client, settings):
    settings.GALERIE_API_RATES = {"key": "2/m"}
    first, second = Api(client, seller_key(make_seller())), Api(client, seller_key(make_seller()))
    assert [first.get("/seller/me").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/seller/me").status_code == 200


def test_anonymous_requests_are_counted_per_ip(api, settings):
    settings.GALERIE_API_RATES = {"ip": "2/m"}
    assert [api.get("/storefronts/").status_code for _ in range(3)] == [200, 200, 429]
    other = api.client.get("/api/v1/storefronts/", REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200


def test_a_key_guesser_is_stopped_even_with_a_right_key_afterwards(client, settings):
    settings.GALERIE_API_RATES = {"failed_auth": "3/m"}
    seller = make_seller()
    right = seller_key(seller)
    for n in range(3):
        assert Api(client, f"glr_guess{n}").get("/seller/me").status_code == 401
    refused = Api(client, right).get("/seller/me")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


def test_wrong_passwords_lock_the_account_even_from_other_addresses(api, settings):
    settings.GALERIE_API_RATES = {"failed_auth": "3/m"}
    storefront = make_storefront()
    make_user(email="lea@example.test", password="the-right-password")
    url = f"/api/v1/storefronts/{storefront.code}/auth/token"
    for n in range(3):
        wrong = {"email": "lea@example.test", "password": f"wrong{n}"}
        api.client.post(url, wrong, content_type="application/json", REMOTE_ADDR=f"10.0.0.{n}")
    right = {"email": "lea@example.test", "password": "the-right-password"}
    response = api.client.post(url, right, content_type="application/json", REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429


# --- Idempotency-Key ----------------------------------------------------------------------


@pytest.fixture
def sign_in(api):
    storefront = make_storefront()
    make_user(email="kim@example.test", password="a-long-test-password")
    body = {"email": "kim@example.test", "password": "a-long-test-password"}
    return api, f"/storefronts/{storefront.code}/auth/token", body


def test_the_same_key_and_body_replay_the_first_response(sign_in):
    api, path, body = sign_in
    first = api.post(path, body, headers={"Idempotency-Key": "k-1"})
    second = api.post(path, body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert IdempotencyRecord.objects.get().state == "done"


def test_the_same_key_with_another_body_is_refused(sign_in):
    api, path, body = sign_in
    api.post(path, body, headers={"Idempotency-Key": "k-2"})
    other = api.post(path, {**body, "password": "something-else"}, headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_an_error_is_replayed_too_and_a_running_request_is_a_409(sign_in):
    api, path, body = sign_in
    wrong = {**body, "password": "wrong"}
    first = api.post(path, wrong, headers={"Idempotency-Key": "k-3"})
    assert first.status_code == 403
    again = api.post(path, wrong, headers={"Idempotency-Key": "k-3"})
    assert (again.status_code, again.content) == (403, first.content)
    IdempotencyRecord.objects.filter(key="k-3").update(state="started")
    running = api.post(path, wrong, headers={"Idempotency-Key": "k-3"})
    assert running.status_code == 409 and running["Retry-After"] == "1"


def test_keys_belong_to_their_caller(client):
    storefront = make_storefront()
    first, second = Api(client, seller_key(make_seller())), Api(client, seller_key(make_seller()))
    body = {"email": "x@y.test", "password": "nope"}
    path = f"/storefronts/{storefront.code}/auth/token"
    first.post(path, body, headers={"Idempotency-Key": "shared"})
    other = second.post(path, {**body, "email": "z@y.test"}, headers={"Idempotency-Key": "shared"})
    assert other.status_code == 403  # run, not refused as a reused key
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


def test_records_older_than_a_day_are_purged(sign_in):
    from datetime import timedelta

    from django.utils import timezone

    from galerie.api.idempotency import idempotency_records_purge

    api, path, body = sign_in
    api.post(path, body, headers={"Idempotency-Key": "old"})
    assert idempotency_records_purge(now=timezone.now() + timedelta(hours=25)) == 1


# --- keyset pagination ----------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(count=st.integers(0, 30), limit=st.integers(1, 12))
def test_walking_the_pages_gives_every_row_once_in_order(count, limit):
    SellerApiToken.objects.all().delete()
    Storefront.objects.all().delete()
    made = [make_storefront().pk for _ in range(count)]
    seen, after = [], None
    while True:
        rows, after = paginate(Storefront.objects.all(), after=after, limit=limit)
        seen.extend(row.pk for row in rows)
        if after is None:
            break
    assert seen == sorted(made, reverse=True)


def test_a_forged_cursor_or_limit_is_refused():
    with pytest.raises(InvalidInput) as forged:
        paginate(Storefront.objects.all(), after="[1]", limit=10)
    assert "after" in forged.value.errors
    with pytest.raises(InvalidInput) as too_many:
        paginate(Storefront.objects.all(), after=None, limit=201)
    assert "limit" in too_many.value.errors


def test_the_staff_key_command_creates_lists_and_revokes(capsys):
    user = make_user(email="ops@example.test", is_staff=True)
    call_command("api", "key", "create", "--email", "ops@example.test", "--name", "Reporting")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert raw.startswith("gls_")
    call_command("api", "key", "list")
    listed = capsys.readouterr().out
    assert "Reporting" in listed and user.email in listed and "live" in listed
    call_command("api", "key", "revoke", raw[:12])
    call_command("api", "schema")
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["openapi"].startswith("3.1")
