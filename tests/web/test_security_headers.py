"""Security headers on every kind of response (the isolation walkers check them on every route
of the seller area, the back office and the admin, as every actor: tests/web/test_isolation.py),
and HSTS only on a secure request (HTTPS, or behind a TLS-terminating proxy that says so)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.factories import make_offer, make_seller, make_storefront, make_variant
from tests.web.security_headers import HeaderCheckingClient, assert_security_headers

pytestmark = pytest.mark.django_db

URLS = [
    "/",  # landing
    "/s/plume/",  # storefront home
    "/s/plume",  # CommonMiddleware's redirect (APPEND_SLASH), answered above the view middleware
    "/s/plume/cart/",
    "/s/plume/checkout/",  # sign-in first
    "/s/plume/account/",  # redirect to sign-in
    "/s/plume/account/login/",
    "/s/plume/search/?q=livre",
    "/s/nowhere/",  # 404
    "/no-such-page/",
    "/sell/login/",
    "/sell/",  # redirect to sign-in
    "/back-office/",  # redirect to the admin's sign-in
    "/admin/login/",
    "/healthz",
    "/static/galerie/site.js",
    "/api/v1/storefronts/",  # JSON
    "/api/v1/seller/me",  # 401 JSON
    "/api/v1/openapi.json",
    "/api/v1/docs",
]


@pytest.fixture
def shop():
    storefront = make_storefront(code="plume", default_language="en")
    make_offer(seller=make_seller(storefronts=[storefront]), variant=make_variant())
    return storefront


def test_every_kind_of_response_carries_the_headers_and_no_hsts_on_plain_http(shop):
    client = HeaderCheckingClient()
    statuses = {client.get(url).status_code for url in URLS}
    # a refused form, a CSRF failure, a wrong method
    statuses.add(client.post("/s/plume/account/login/", {"username": "x", "password": "y"}).status_code)
    statuses.add(HeaderCheckingClient(enforce_csrf_checks=True).post("/s/plume/account/login/").status_code)
    statuses.add(client.delete("/s/plume/cart/").status_code)

    assert {200, 301, 302, 400, 401, 403, 404, 405} <= statuses
    assert client.checked == len(URLS) + 2


def test_hsts_is_sent_on_a_secure_request_only(shop):
    client = HeaderCheckingClient()
    secure = client.get("/s/plume/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"  # checked by the client too
    assert "Strict-Transport-Security" not in client.get("/s/plume/")
    assert_security_headers(client.get("/api/v1/seller/me", secure=True), secure=True)


def test_behind_a_tls_proxy_its_header_makes_the_request_secure(shop, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()  # the proxy speaks plain HTTP to Galerie: the header alone says HTTPS

    through_tls = client.get("/s/plume/", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/s/plume/", HTTP_X_FORWARDED_PROTO="http")

    assert_security_headers(through_tls, secure=True)
    assert_security_headers(plain, secure=False)
    # without the setting, a client claiming HTTPS gets no HSTS (nothing trusts the header)
    settings.SECURE_PROXY_SSL_HEADER = None
    assert "Strict-Transport-Security" not in client.get("/s/plume/", HTTP_X_FORWARDED_PROTO="https")


def _settings_in_a_fresh_process(tmp_path, **env) -> list[str]:
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SESSION_COOKIE_SECURE, s.SECURE_REFERRER_POLICY, sep='|')"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"BEHIND_TLS_PROXY", "TLS_PROXY_HEADER"}}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'galerie.settings'); {code}",
        ],
        env={**clean, "GALERIE_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip().split("|")


def test_the_environment_sets_the_tls_proxy_header_and_hsts(tmp_path):
    assert _settings_in_a_fresh_process(tmp_path) == ["None", "31536000", "False", "False", "same-origin"]
    assert _settings_in_a_fresh_process(
        tmp_path,
        BEHIND_TLS_PROXY="1",
        TLS_PROXY_HEADER="X-Forwarded-Scheme",
        HSTS_SECONDS="600",
        HSTS_INCLUDE_SUBDOMAINS="1",
    ) == ["('HTTP_X_FORWARDED_SCHEME', 'https')", "600", "True", "True", "same-origin"]
