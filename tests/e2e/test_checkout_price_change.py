"""In Chromium: a seller raises a price while the customer is on the checkout page. Paying that
page charges nothing and shows the new total; confirming charges exactly what it showed.
The checkout links the terms, the withdrawal information and each seller's legal notice."""

from __future__ import annotations

import re

import pytest

from galerie.accounts.models import User
from galerie.offers.models import Offer
from galerie.orders.models import Order
from galerie.payments.models import Payment
from galerie.sellers.models import SellerMember
from tests.e2e.test_checkout import PASSWORD, _fill_checkout
from tests.e2e.test_checkout import marketplace as marketplace  # the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _euros(text: str) -> int:
    """The amount in a button's text, in cents: "Payer 61,24 €" → 6124."""
    whole, cents = re.search(r"(\d[\d\s\u202f\u00a0.]*)[,.](\d{2})", text).groups()
    return int(re.sub(r"\D", "", whole)) * 100 + int(cents)


def test_a_price_raised_during_checkout_is_confirmed_before_the_customer_pays(
    marketplace, live_server, browser, screenshot
):
    _, variant, offers = marketplace
    base = live_server.url
    first = offers[0]
    other = next(o for o in offers[1:] if o.seller_id != first.seller_id)
    User.objects.create_user(email="claire@example.test", password=PASSWORD)
    owners = SellerMember.objects.filter(seller_id=first.seller_id, role="owner")
    owner = owners.select_related("user").first()
    owner.user.set_password(PASSWORD)
    owner.user.save(update_fields=["password"])

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/s/pageplume/account/login/")
    page.locator("form[action$='/account/login/'] #id_username").fill("claire@example.test")
    page.locator("form[action$='/account/login/'] #id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/account/login/'] button[type=submit]").click()
    for offer in (first, other):
        page.goto(f"{base}/s/pageplume/p/{variant.product.slug}/?v={variant.uuid.hex}")
        add = page.locator(f"form:has(input[name=offer][value='{offer.uuid.hex}']) button[type=submit]")
        with page.expect_navigation(url="**/cart/"):
            add.first.click()
    assert page.locator(".seller-group").count() == 2
    page.goto(f"{base}/s/pageplume/checkout/")
    _fill_checkout(page, "Claire Dupont", "12 rue des Écoles", "75005", "Paris", card="4242 4242 4242 4242")
    legal = page.locator("section.checkout-legal")
    for href in ("/s/pageplume/terms/", "/s/pageplume/withdrawal/", f"/seller/{other.seller.slug}/"):
        assert legal.locator(f"a[href*='{href}']").count() == 1
    before = _euros(page.locator("button.button-pay").inner_text())
    screenshot(page, "price-change-01-checkout")

    # The seller raises the price in its seller area, in another browser.
    seller = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    seller.goto(f"{base}/sell/offers/{first.pk}/edit/")
    seller.fill("#id_username", owner.user.email)
    seller.fill("#id_password", PASSWORD)
    with seller.expect_navigation():
        seller.locator("form button[type=submit]").click()
    seller.goto(f"{base}/sell/offers/{first.pk}/edit/")
    raised = first.price_minor + 300
    seller.fill(f"#offer-{first.pk}-price", f"{raised // 100},{raised % 100:02d}")
    seller.locator(f"form#offer-{first.pk}-form button").first.click()
    seller.locator(f"#offer-{first.pk} .saved").wait_for()
    assert Offer.objects.get(pk=first.pk).price_minor == raised
    seller.context.close()

    with page.expect_navigation():
        page.locator("button.button-pay").click()
    assert page.locator("#quote-changed").is_visible()
    shown = _euros(page.locator("button.button-pay").inner_text())
    assert shown == before + 300
    assert not Payment.objects.exists() and not Order.objects.exists()
    screenshot(page, "price-change-02-confirm-new-total")

    with page.expect_navigation(url="**/placed/"):
        page.locator("button.button-pay").click()
    order = Order.objects.select_related("payment").get()
    assert order.number in page.content()
    assert order.total_minor == order.payment.amount_minor == shown
    screenshot(page, "price-change-03-placed")
