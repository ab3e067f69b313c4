"""In the browser: a seller uploads its Shopify export on the import page, choosing the format;
the report names the rows; the storefront's product page shows the variants at the file's prices."""

from __future__ import annotations

import pytest

from galerie.offers.imports import offer_import_run
from galerie.offers.models import OfferImport
from galerie.sellers.models import SellerMember
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.offers.formats.conftest import FIXTURES
from tests.offers.formats.conftest import shop as shop  # the fixture
from tests.web.portal_data import member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"


def test_a_shopify_export_uploaded_in_the_seller_area_fills_the_storefront(
    live_server, browser, screenshot, shop
):
    storefront, seller, products = shop
    owner = member(seller, SellerMember.Role.OWNER)
    source = axe_source()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, f"{live_server.url}/sell/login/", owner.email, PASSWORD)
    page.goto(f"{live_server.url}/sell/imports/")
    page.get_by_label("Format").select_option("shopify")
    page.set_input_files("#id_file", str(FIXTURES / "shopify_products.csv"))
    violations = axe_violations(page, source)
    assert not violations, describe(violations)
    screenshot(page, "merchant-formats-upload")
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    offer_import = OfferImport.objects.get(seller=seller)
    offer_import_run(import_id=offer_import.pk)  # what the worker does
    page.reload()
    page.locator(".status-import-applied").first.wait_for()
    page.goto(f"{live_server.url}/s/{storefront.code}/p/{products['T-shirt en lin'].slug}/")
    text = page.inner_text("main")
    assert "29,00" in text and "en stock" in text  # the storefront speaks French
    assert page.locator(".chip").all_inner_texts() == ["S", "M"]
    screenshot(page, "merchant-formats-product")
    context.close()
