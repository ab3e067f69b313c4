"""In the browser: a seller edits an offer's price in its row, then reads the change in its history."""

from __future__ import annotations

import pytest

from galerie.offers.models import OfferChange
from galerie.sellers.models import SellerMember
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)
from tests.web.portal_data import member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


def test_a_price_edited_in_its_row_shows_in_the_offers_history(live_server, browser, screenshot):
    books = make_category("Books")
    seller = make_seller(storefronts=[make_storefront(scope=[books], name="Page et Plume")])
    variant = make_variant(product=make_product(category=books, title="Le Tour du monde en 80 jours"))
    offer = make_offer(seller=seller, variant=variant, price_minor=1990, stock=5, seller_sku="VERNE-80")
    owner = member(seller, SellerMember.Role.OWNER)
    source = axe_source()

    # bypass_csp: axe is injected as a script of its own, which the strict CSP would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, f"{live_server.url}/sell/login/", owner.email, PASSWORD)
    page.goto(f"{live_server.url}/sell/offers/")
    page.get_by_role("link", name="Edit Le Tour du monde en 80 jours").click()
    page.fill(f"#offer-{offer.pk}-price", "17,90")
    page.fill(f"#offer-{offer.pk}-stock", "3")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Offer saved.").wait_for()
    assert OfferChange.objects.filter(offer=offer, field="price", to_value="1790", actor=owner).exists()

    page.get_by_role("link", name="Le Tour du monde en 80 jours", exact=True).click()
    history = page.locator(".offer-history-table tbody tr")
    history.first.wait_for()
    assert history.count() == 3  # stock, price, listed: newest first
    assert "Stock" in history.nth(0).inner_text() and owner.email in history.nth(0).inner_text()
    assert "€17.90" in history.nth(1).inner_text()
    violations = axe_violations(page, source)
    assert not violations, describe(violations)
    screenshot(page, "seller-offer-history")
    context.close()
