"""The Content-Security-Policy in Chromium: the main pages of the storefront,
the seller area, the back office, the admin and the test gateway's payment page load and work —
htmx cart update, search suggestions, the seller's inline offer edit — and the browser reports
no violation (securitypolicyviolation events and console errors both watched)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from galerie.offers.models import Offer
from galerie.seeding.accounts import demo_accounts_create
from tests.payments.conftest import NEEDS_CONFIRMATION, authorize

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


@pytest.fixture
def demo():
    call_command("seed", scale="demo", verbosity=0)
    demo_accounts_create()


class Watched:
    """A page whose CSP violations are collected, from the DOM event and from the console."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.seen: list[str] = []

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 500, (url, response and response.status)
        assert "content-security-policy" in response.headers, url
        self.check(url)

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(300)  # the console reports some violations a moment later
        violations = self.page.evaluate("window.__csp || []") + self.console
        assert not violations, f"{where}: {violations}"
        self.seen.append(where)

    def shot(self, screenshot, name: str) -> None:
        """Take a screenshot after a check: Playwright injects a <style> to hide the caret, which
        the policy refuses (and reports), so what is reported meanwhile is forgotten."""
        self.check(name)
        screenshot(self.page, name)
        self.console.clear()
        self.page.evaluate("window.__csp = []")

    def sign_in(self, url: str, email: str, password: str) -> None:
        self.visit(url)
        self.page.fill("input[name=username]", email)
        self.page.fill("input[name=password]", password)
        self.page.locator("form [type=submit]").last.click()
        self.page.wait_for_load_state()


def test_the_main_pages_of_every_area_run_without_a_csp_violation(demo, live_server, browser, screenshot):
    base = live_server.url
    offer = Offer.objects.filter(status="active", stock__gt=2).select_related("variant__product").first()
    storefront = offer.seller.admissions.first().storefront.code
    product = offer.variant.product

    # The storefront: home, search suggestions (htmx), a product, the cart and its htmx update.
    shop = Watched(browser)
    shop.visit(f"{base}/")
    shop.visit(f"{base}/s/{storefront}/")
    shop.page.locator("#site-search-q").click()
    shop.page.keyboard.type(product.title[:4].lower(), delay=60)
    shop.page.locator("#site-search-suggest *").first.wait_for()
    shop.check("search suggestions")
    shop.visit(f"{base}/s/{storefront}/p/{product.slug}/")
    shop.page.locator("form[action$='/cart/add/'] [type=submit]").first.click()
    shop.page.wait_for_load_state()
    shop.visit(f"{base}/s/{storefront}/cart/")
    quantity = shop.page.locator(".qty-form input[name=quantity]").first
    with shop.page.expect_response(lambda r: "/cart/update/" in r.url, timeout=10000):
        quantity.fill("2")
        quantity.press("Tab")
    shop.page.wait_for_load_state("networkidle")
    assert shop.page.locator(".qty-form input[name=quantity]").first.input_value() == "2"
    shop.check("cart update")
    shop.shot(screenshot, "csp-01-cart-updated")
    shop.visit(f"{base}/s/{storefront}/account/login/")
    shop.visit(f"{base}/s/{storefront}/become-a-seller/")

    # The test gateway's payment page.
    payment = authorize(NEEDS_CONFIRMATION, amount=4990)
    shop.visit(f"{base}{payment.action_url}")

    # The seller area: dashboard, offers with the inline edit (htmx), staff, keys, imports.
    seller = Watched(browser)
    seller.sign_in(f"{base}/sell/login/", "seller@galerie.test", "galerie-seller")
    for path in ("/sell/", "/sell/staff/", "/sell/tokens/", "/sell/orders/", "/sell/imports/new/"):
        seller.visit(f"{base}{path}")
    seller.visit(f"{base}/sell/offers/")
    row = seller.page.locator("tr.offer-row").first
    row.locator("a", has_text="Edit").click()
    editing = seller.page.locator("tr.offer-row.is-editing").first
    editing.wait_for()
    editing.locator("input[name=stock]").fill("7")
    editing.locator("[type=submit]").click()
    seller.page.locator("tr.offer-row.is-editing").wait_for(state="detached")
    seller.check("offer inline edit")
    seller.shot(screenshot, "csp-02-offer-edited")

    # The back office and the admin.
    operator = Watched(browser)
    operator.sign_in(f"{base}/admin/login/", "operator@galerie.test", "galerie-operator")
    for path in (
        "/admin/",
        "/admin/sellers/seller/",
        "/admin/offers/offer/",
        f"/admin/offers/offer/{offer.pk}/change/",
        "/back-office/",
    ):
        operator.visit(f"{base}{path}")
    operator.shot(screenshot, "csp-03-back-office")

    assert len(shop.seen) >= 8 and len(seller.seen) >= 7 and len(operator.seen) >= 5
