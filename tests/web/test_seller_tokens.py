"""The API keys page: the key is shown once on the page that created it, never again, never stored."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from galerie.sellers.models import SellerApiToken, SellerMember
from galerie.sellers.services.tokens import seller_api_token_authenticate, seller_api_token_create
from tests.factories import make_seller, make_staff_member

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
TOKENS = "/sell/tokens/"


@pytest.fixture
def seller():
    return make_seller()


@pytest.fixture
def owner(seller):
    return make_staff_member(seller, Role.OWNER)


def test_create_shows_the_key_once_and_it_authenticates_until_revoked(client, seller, owner):
    client.force_login(owner)
    response = client.post(TOKENS, {"name": "Warehouse", "role": "shipping_clerk"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    raw_key = re.search(r'value="(glr_[\w-]+)"', body)[1]
    assert "shown only this once" in body
    token = SellerApiToken.objects.get()
    assert token.key_hash != raw_key and raw_key not in str(SellerApiToken.objects.values().get())
    assert seller_api_token_authenticate(raw_key=raw_key) == (seller, Role.SHIPPING_CLERK)

    listing = client.get(TOKENS).content.decode()
    assert raw_key not in listing and f"glr_{token.prefix}…" in listing and "Warehouse" in listing

    response = client.post(reverse("seller_area:token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    assert seller_api_token_authenticate(raw_key=raw_key) is None
    assert "Revoked" in client.get(TOKENS).content.decode()


def test_a_bad_name_is_explained_and_creates_nothing(client, seller, owner):
    client.force_login(owner)
    response = client.post(TOKENS, {"name": "", "role": "manager"})
    assert response.status_code == 400 and "glr_" not in response.content.decode()
    assert not SellerApiToken.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SHIPPING_CLERK])
def test_managers_and_clerks_get_403_and_change_nothing(client, seller, owner, role):
    token, raw_key = seller_api_token_create(seller_id=seller.pk, name="ERP", role="manager", by=owner)
    client.force_login(make_staff_member(seller, role))
    assert client.get(TOKENS).status_code == 403
    assert client.post(TOKENS, {"name": "Mine", "role": "shipping_clerk"}).status_code == 403
    assert client.post(reverse("seller_area:token_revoke", kwargs={"token_id": token.pk})).status_code == 403
    assert SellerApiToken.objects.count() == 1
    assert seller_api_token_authenticate(raw_key=raw_key) == (seller, Role.MANAGER)


def test_another_sellers_key_is_404_unchanged_and_not_listed(client, seller, owner):
    other = make_seller()
    other_owner = make_staff_member(other, Role.OWNER)
    token, raw_key = seller_api_token_create(
        seller_id=other.pk, name="Other ERP", role="manager", by=other_owner
    )
    client.force_login(owner)
    assert client.post(reverse("seller_area:token_revoke", kwargs={"token_id": token.pk})).status_code == 404
    assert seller_api_token_authenticate(raw_key=raw_key) == (other, Role.MANAGER)
    listing = client.get(TOKENS).content.decode()
    assert "Other ERP" not in listing and token.prefix not in listing
