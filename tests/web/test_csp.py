"""A strict Content-Security-Policy on every kind of page, and pages that need
nothing it forbids (no inline script, no event-handler attribute, no style attribute).

The browser side (no violation reported while the pages run) is tests/e2e/test_csp.py.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from galerie.sellers.models import SellerMember
from tests.factories import make_offer, make_seller, make_staff_member, make_storefront, make_user
from tests.payments.conftest import NEEDS_CONFIRMATION, authorize

pytestmark = pytest.mark.django_db

# a data block (JSON-LD) is not run, so CSP does not apply to it
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style(?P<attrs>[^>]*)>", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no nonce
    everything = [value for values in csp.values() for value in values]
    assert "'unsafe-inline'" not in everything and "'unsafe-eval'" not in everything
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]


def assert_needs_nothing_forbidden(response) -> None:
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not HANDLER.findall(html), HANDLER.findall(html)
    assert not STYLE_ATTRIBUTE.findall(html), STYLE_ATTRIBUTE.findall(html)
    nonces = [n for n in policy(response)["style-src"] if n.startswith("'nonce-")]
    for style in STYLE_ELEMENT.finditer(html):  # an inline <style> only with this response's nonce
        assert nonces, "an inline <style> but no nonce in style-src"
        assert f'nonce="{nonces[0][7:-1]}"' in style["attrs"]


@pytest.fixture
def world():
    storefront = make_storefront(code="plume", name="Page et Plume", default_language="en")
    seller = make_seller(storefronts=[storefront])
    offer = make_offer(seller=seller)
    owner = make_staff_member(seller, SellerMember.Role.OWNER)
    operator = make_user(is_staff=True, is_superuser=True)
    return {"storefront": storefront, "offer": offer, "owner": owner, "operator": operator}


def _pages(world) -> dict[str, tuple]:
    product = world["offer"].variant.product
    return {
        "landing": (None, "/"),
        "storefront home": (None, "/s/plume/"),
        "product": (None, f"/s/plume/p/{product.slug}/"),
        "search": (None, "/s/plume/search/?q=a"),
        "cart": (None, "/s/plume/cart/"),
        "sign-in": (None, "/s/plume/account/login/"),
        "become a seller": (None, "/s/plume/become-a-seller/"),
        "not found": (None, "/s/plume/p/no-such-thing/"),
        "seller sign-in": (None, "/sell/login/"),
        "seller dashboard": ("owner", "/sell/"),
        "seller offers": ("owner", "/sell/offers/"),
        "seller staff": ("owner", "/sell/staff/"),
        "seller keys": ("owner", "/sell/tokens/"),
        "back office": ("operator", "/back-office/"),
        "admin sign-in": (None, "/admin/login/"),
        "admin": ("operator", "/admin/"),
        "admin list": ("operator", "/admin/sellers/seller/"),
    }


def test_every_kind_of_page_has_the_strict_policy_and_needs_nothing_it_forbids(client, world):
    for name, (who, url) in _pages(world).items():
        client.logout()
        if who:
            client.force_login(world[who])
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert_strict(response)
        if not url.startswith("/admin/"):  # Django's own templates: the browser test watches them
            assert_needs_nothing_forbidden(response)


def test_the_theme_style_carries_the_nonce_of_its_response(client, world):
    first, second = client.get("/s/plume/"), client.get("/s/plume/")
    nonce = [v for v in policy(first)["style-src"] if v.startswith("'nonce-")]
    assert nonce and nonce != [v for v in policy(second)["style-src"] if v.startswith("'nonce-")]
    assert f'<style nonce="{nonce[0][7:-1]}">' in first.content.decode()


def test_the_test_gateways_payment_page_has_the_policy(client):
    payment = authorize(NEEDS_CONFIRMATION, amount=12990)
    response = client.get(reverse("payments:test_confirm", args=[payment.provider_reference]))
    assert response.status_code == 200
    assert_strict(response)
    assert_needs_nothing_forbidden(response)


def test_json_and_redirects_have_it_too(client, world):
    assert_strict(client.get("/sell/"))  # a redirect to the sign-in page
    assert_strict(client.get("/s/plume/search/suggest/?q=a"))


def test_an_htmx_request_gets_no_inline_style_whose_nonce_is_not_the_pages(client, world):
    """htmx parses a whole page it is answered with (the cart update) in the page's document;
    Chromium reports that page's <style>, under another nonce, as a violation."""
    assert "<style" in client.get("/s/plume/cart/").content.decode()
    assert "<style" not in client.get("/s/plume/cart/", HTTP_HX_REQUEST="true").content.decode()
