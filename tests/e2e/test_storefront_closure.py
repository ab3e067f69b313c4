"""A visitor of a storefront that closes, in Chromium: the banner from the announcement, no offer
and no add-to-cart from the date, a 410 page once it is closed (docs/storefront-closure.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.storefronts.closure import (
    storefront_closure_announce,
    storefront_closure_finish,
    storefronts_sales_stop,
)
from galerie.storefronts.models import Storefront
from tests.storefronts.closure_world import make_world, work

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_sees_the_banner_then_no_offer_then_the_410_page(live_server, browser, screenshot):
    world = make_world()
    work()
    storefront_closure_announce(
        storefront_id=world.closing.pk,
        closing_on=timezone.localdate() + timedelta(days=7),
        reason="Revue du portefeuille",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/s/alapage/p/vingt-mille/")
    banner = page.locator(".closure-banner")
    assert "Alapage ferme" in banner.inner_text() and "les ventes s’arrêtent le" in banner.inner_text()
    assert page.locator(".buybox").count() == 1  # it still sells until the date
    screenshot(page, "closure-01-banner")

    # The date comes (no write), the daily job marks it.
    Storefront.objects.filter(pk=world.closing.pk).update(closing_on=timezone.localdate())
    storefronts_sales_stop()
    page.goto(f"{live_server.url}/s/alapage/")
    assert "Alapage a cessé de vendre le" in page.locator("h1").inner_text()
    assert page.locator(".grid .card").count() == 0
    assert page.get_by_role("link", name="Clust").count() >= 1
    screenshot(page, "closure-02-home-after-the-date")
    page.goto(f"{live_server.url}/s/alapage/p/vingt-mille/")
    assert page.locator(".buybox").count() == 0
    assert "à titre d’information" in page.content()
    screenshot(page, "closure-03-product-after-the-date")

    storefront_closure_finish(storefront_id=world.closing.pk)
    response = page.goto(f"{live_server.url}/s/alapage/")
    assert response is not None and response.status == 410
    assert "Alapage a fermé ses portes" in page.locator("h1").inner_text()
    screenshot(page, "closure-04-closed-410")
    page.get_by_role("link", name="Clust").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/s/clust/")
