"""A customer searches the demo marketplace in Chromium: types in the header's box, picks a
suggestion, narrows with two facets, sorts by price and opens a product."""

import re

import pytest
from django.core.management import call_command
from django.db.models import Count

from galerie.search.models import SearchEntry
from galerie.storefronts.models import Storefront

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_marketplace():
    call_command("seed", scale="demo", verbosity=0)


def _prices(page) -> list[int]:
    texts = page.locator(".grid .card .card-price").all_inner_texts()
    return [int(re.sub(r"\D", "", t)) for t in texts]


def test_search_suggest_narrow_sort_and_open(demo_marketplace, live_server, browser, screenshot):
    storefront = Storefront.objects.get(code="topcircuit")
    brand = (
        SearchEntry.objects.filter(storefront_id=storefront.pk, brand__isnull=False)
        .values("brand__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "brand__name")
        .first()["brand__name"]
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/s/topcircuit/")
    page.locator("#site-search-q").click()
    page.keyboard.type(brand[:4].lower(), delay=60)
    suggestion = page.locator(".suggest-panel [data-kind='brands'] .suggest-item", has_text=brand)
    suggestion.first.wait_for()
    screenshot(page, "search-01-suggestions")
    suggestion.first.click()
    page.wait_for_load_state()
    assert "/s/topcircuit/search/" in page.url and "brand=" in page.url
    total = int(page.locator(".listing-count").get_attribute("data-total"))
    assert total > 0
    assert page.locator(".active-filters .chip-remove", has_text=brand).count() == 1

    # Two facets more: a condition, then a seller. Each count is what the click leaves.
    for facet in ("condition", "seller"):
        option = page.locator(f"[data-facet='{facet}'] .facet-link:not(.is-selected)").first
        expected = int(re.sub(r"\D", "", option.locator(".facet-count").inner_text()))
        option.click()
        page.wait_for_load_state()
        assert int(page.locator(".listing-count").get_attribute("data-total")) == expected
    assert page.locator(".active-filters .chip-remove").count() == 3
    screenshot(page, "search-02-two-facets")

    page.locator(".sort .chip", has_text="Prix croissant").click()
    page.wait_for_load_state()
    assert "sort=price_asc" in page.url
    prices = _prices(page)
    assert prices and prices == sorted(prices)
    screenshot(page, "search-03-sorted-by-price")

    title = page.locator(".grid .card .card-title").first.inner_text()
    page.locator(".grid .card a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == title.strip()
    screenshot(page, "search-04-product")


def test_a_misspelt_search_is_corrected_and_the_ranking_page_is_one_click_away(
    demo_marketplace, live_server, browser, screenshot
):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{live_server.url}/s/topcircuit/search/?q=electromenagr")
    assert page.locator(".search-corrected").count() == 1
    assert int(page.locator(".listing-count").get_attribute("data-total")) > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "search-05-corrected-phone")
    page.locator(".site-footer a", has_text="classés").click()
    page.wait_for_load_state()
    assert page.locator("[data-ranking='weights'] tbody tr").count() == 4
