"""The seller quality page in Chromium: the operator chooses a storefront, reads the worst seller
first with its breaches worded, saves a threshold; in English and in French; axe-core finds no
serious violation; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.storefronts.models import Storefront
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.factories import make_seller, make_staff_member, make_storefront, make_user
from tests.orders.quality_data import Status, place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def marketplace():
    storefront = make_storefront(name="Page & Plume", code="pageplume")
    make_storefront(name="Top Circuit", code="topcircuit")
    Storefront.objects.filter(pk=storefront.pk).update(quality_min_orders=5)
    customer = make_user()
    now = timezone.now()
    profiles = [
        ("Librairie Lente", dict(refused=3, late=4, refunds=2, fine=6)),
        ("Bouquins du Port", dict(refused=1, late=1, refunds=0, fine=10)),
        ("Éditions Rapides", dict(refused=0, late=0, refunds=0, fine=12)),
        ("Petite Échoppe", dict(refused=0, late=1, refunds=0, fine=2)),
    ]
    for name, p in profiles:
        seller = make_seller(storefronts=[storefront], display_name=name)
        if name == "Librairie Lente":
            make_staff_member(seller, "owner", email="lente@galerie.test", password="galerie-seller")
        for _ in range(p["refused"]):
            place(storefront, seller, customer, placed_at=now - 12 * D, status=Status.REFUSED)
        for _ in range(p["late"]):
            place(storefront, seller, customer, placed_at=now - 20 * D, status=Status.DELIVERED,
                  accepted_after=40 * H, shipped_after=8 * D)  # fmt: skip
        for _ in range(p["refunds"]):
            place(storefront, seller, customer, placed_at=now - 30 * D, status=Status.DELIVERED,
                  accepted_after=3 * H, shipped_after=2 * D, refunded_minor=400)  # fmt: skip
        for _ in range(p["fine"]):
            place(storefront, seller, customer, placed_at=now - 9 * D, status=Status.SHIPPED,
                  accepted_after=2 * H, shipped_after=D)  # fmt: skip
    make_user(email="operator@galerie.test", password="galerie-operator", is_staff=True)
    return storefront


def test_the_operator_reads_the_worst_sellers_and_sets_a_threshold(
    marketplace, live_server, browser, screenshot
):
    base = live_server.url
    axe = axe_source()
    for language in ("en", "fr"):
        # bypass_csp: axe is injected as a script of its own, which the strict CSP would refuse.
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale=language, bypass_csp=True
        )
        page = context.new_page()
        sign_in(page, f"{base}/admin/login/?next=/back-office/", "operator@galerie.test", "galerie-operator")
        page.goto(f"{base}/back-office/quality/")
        assert page.locator("html").get_attribute("lang") == language
        page.select_option("#quality-storefront", "pageplume")
        page.locator(".toolbar form [type=submit]").click()
        page.wait_for_load_state()
        names = page.locator(".quality-table tbody th[scope=row] a").all_text_contents()
        assert names[0] == "Librairie Lente" and names[-1] == "Éditions Rapides", names
        shot = screenshot(page, f"{language}-back-office-quality")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the quality page is {overflow}px wider than the screen ({shot})"
        found = axe_violations(page, axe)
        assert not found, describe(found)

    page.fill("#id_quality_max_refusal_bp", "30")
    page.locator(".quality-settings [type=submit]").click()
    page.wait_for_load_state()
    assert "enregistrés" in page.locator(".messages, [role=status], .notice").first.inner_text()
    marketplace.refresh_from_db()
    assert marketplace.quality_max_refusal_bp == 3000
    screenshot(page, "fr-back-office-quality-saved")


def test_the_seller_reads_its_own_figures_on_its_dashboard(marketplace, live_server, browser, screenshot):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr").new_page()
    sign_in(page, f"{live_server.url}/sell/login/", "lente@galerie.test", "galerie-seller")
    page.goto(f"{live_server.url}/sell/")
    table = page.locator(".quality-table")
    assert "Page & Plume" in table.inner_text() and table.locator(".breach").count() == 4
    screenshot(page, "fr-seller-dashboard-quality")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
