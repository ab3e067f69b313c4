"""Callers of the API: a seller's key per role, a staff key, a customer's token; a JSON client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from galerie.api.auth import customer_token_make
from galerie.api.services import staff_api_token_create
from galerie.sellers.models import Seller, SellerMember
from galerie.sellers.services.tokens import seller_api_token_create
from tests.factories import make_seller, make_staff_member, make_user


@dataclass
class Api:
    """A JSON client for /api/v1/ with a bearer credential (or none)."""

    client: Client
    key: str = ""

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers())

    def send(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None):
        data = json.dumps(body) if body is not None else ""
        return self.client.generic(
            method, f"/api/v1{path}", data, content_type="application/json", headers=self.headers(headers)
        )

    def post(self, path: str, body: Any = None, **kw: Any):
        return self.send("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any):
        return self.send("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any):
        return self.send("DELETE", path, None, **kw)


def seller_key(seller: Seller, role: str = SellerMember.Role.OWNER) -> str:
    owner = make_staff_member(seller, role=SellerMember.Role.OWNER)
    _token, raw = seller_api_token_create(seller_id=seller.pk, name=f"ERP {role}", role=role, by=owner)
    return raw


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def seller_api(client) -> Api:
    return Api(client, seller_key(make_seller()))


@pytest.fixture
def staff_api(client) -> Api:
    user = make_user(is_staff=True, is_superuser=True)
    return Api(client, staff_api_token_create(user=user, name="Automation")[1])


@pytest.fixture
def customer_api(client) -> Api:
    return Api(client, customer_token_make(make_user()))
