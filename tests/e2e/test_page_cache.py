"""A guest in Chromium gets product pages another visitor's request put in the shared cache: it sees
its own cart count on them, its theme style passes the CSP, and its add-to-cart form works (the
CSRF token filled in is its own)."""

import pytest

from tests.web.test_page_cache import PRODUCT
from tests.web.test_page_cache import shop as shop  # the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_guest_with_a_cart_uses_cached_pages(shop, live_server, browser, screenshot):
    url = live_server.url + PRODUCT
    somebody = browser.new_context()
    assert somebody.new_page().goto(url).headers["x-galerie-cache"] == "miss"  # stored by another visitor
    somebody.close()

    guest = browser.new_context(viewport={"width": 1280, "height": 900})
    page = guest.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(url)
    assert response.headers["x-galerie-cache"] == "hit"
    assert page.locator(".cart-count").count() == 0  # an empty cart shows no count
    page.locator(".buybox form.add-to-cart button[type=submit]").click()
    page.wait_for_load_state()
    assert "/cart/" in page.url  # the CSRF token filled into the cached page was accepted
    assert page.locator(".cart-count").inner_text() == "1"

    response = page.goto(url)
    assert response.headers["x-galerie-cache"] == "hit"
    assert page.locator(".cart-count").inner_text() == "1"
    page.locator(".buybox form.add-to-cart button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".cart-count").inner_text() == "2"
    assert page.goto(url).headers["x-galerie-cache"] == "hit"
    assert page.locator(".cart-count").inner_text() == "2"
    # The theme's inline style carries this response's nonce: the page is styled, no violation.
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--c-primary')").strip()
    assert violations == []
    screenshot(page, "page-cache-product-with-cart")

    stranger = browser.new_context().new_page()
    assert stranger.goto(url).headers["x-galerie-cache"] == "hit"
    assert stranger.locator(".cart-count").count() == 0  # not the guest's count
