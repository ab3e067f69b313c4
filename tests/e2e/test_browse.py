"""A visitor browses the demo marketplace in Chromium: landing, storefront, category, product."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_marketplace():
    call_command("seed", scale="demo", verbosity=0)


def test_browse_from_landing_to_a_product(demo_marketplace, live_server, browser, screenshot):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    cards = page.locator(".storefront-card")
    assert cards.count() == 3
    screenshot(page, "01-landing")

    cards.first.locator("a").click()
    page.wait_for_load_state()
    assert "/s/" in page.url
    assert page.locator(".grid .card").count() > 0
    screenshot(page, "02-storefront-home")

    page.locator(".category-card a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text()
    screenshot(page, "03-category")

    page.locator(".grid .card a").first.click()
    page.wait_for_load_state()
    assert page.locator(".buybox .price").inner_text().strip()
    assert page.locator(".buybox .badge").count() == 1
    screenshot(page, "04-product")

    # The same product page on a phone-sized screen: nothing overflows sideways.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(page.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "05-product-phone")


def test_keyboard_reaches_the_first_product(demo_marketplace, live_server, browser):
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() != ""
