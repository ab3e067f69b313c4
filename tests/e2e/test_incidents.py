"""An incident walked in Chromium: the customer (on a phone, in French) reports a damaged parcel
with a photo, the seller rejects it, the customer asks the marketplace, the operator refunds from
its own account and charges the seller. axe-core finds no serious violation on any page; the
photo is shown to the parties."""

from __future__ import annotations

import pytest
from PIL import Image

from galerie.incidents.models import Incident
from galerie.payments.models import Refund
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import image_width, sign_in
from tests.factories import make_user
from tests.incidents.conftest import make_sale

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"  # tests.factories.make_user's


def _checked(page, axe, screenshot, name: str) -> None:
    screenshot(page, name)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than the screen"
    found = axe_violations(page, axe)
    assert not found, describe(found)


def test_damaged_parcel_from_report_to_the_operators_refund(
    live_server, browser, screenshot, tmp_path, settings
):
    settings.GALERIE_SITE_URL = live_server.url
    axe = axe_source()
    sale = make_sale()
    make_user(email="olivia@operator.test", is_staff=True)
    photo = tmp_path / "carton.jpg"
    Image.new("RGB", (64, 48), (120, 80, 40)).save(photo, format="JPEG")
    base, code, number = live_server.url, sale.storefront.code, sale.order.number

    # The customer, on a phone: reports the damaged books with a photo.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr", bypass_csp=True)
    customer = phone.new_page()
    sign_in(customer, f"{base}/s/{code}/account/login/", sale.customer.email, PASSWORD)
    customer.goto(f"{base}/s/{code}/account/orders/{number}/")
    customer.locator(f"#incidents-{sale.part_a.pk} summary").click()
    form = customer.locator(f"#incidents-{sale.part_a.pk} form")
    form.locator("input[value=damaged]").check()
    form.locator("textarea[name=description]").fill("Le carton est écrasé, deux livres sont pliés.")
    form.locator("input[type=file]").set_input_files(str(photo))
    _checked(customer, axe, screenshot, "fr-phone-incident-form")
    form.locator("button[type=submit]").click()
    customer.wait_for_load_state()
    assert "doit répondre sous 48" in customer.locator("body").inner_text()
    incident = Incident.objects.get()
    assert incident.photos.count() == 1
    assert image_width(customer.locator(f"#incident-{incident.uuid.hex} img")) == 64
    _checked(customer, axe, screenshot, "fr-phone-incident-opened")

    # The seller, on a desktop: rejects with a reason.
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr", bypass_csp=True)
    seller = desktop.new_page()
    sign_in(seller, f"{base}/sell/login/", sale.owner_a.email, PASSWORD)
    seller.goto(f"{base}/sell/")
    assert sale.part_a.number in seller.locator("#incidents-title + ul").inner_text()
    seller.goto(f"{base}/sell/orders/{sale.part_a.number}/")
    answer = seller.locator(".incident-answer")
    answer.locator("input[value=rejected]").check()
    answer.locator("textarea").fill("Le colis est parti intact de chez nous.")
    _checked(seller, axe, screenshot, "seller-incident-answer")
    answer.locator("button[type=submit]").click()
    seller.wait_for_load_state()
    assert Incident.objects.get().status == "answered"

    # The customer asks the marketplace to decide.
    customer.goto(f"{base}/s/{code}/account/orders/{number}/")
    assert "Le colis est parti intact" in customer.locator(f"#incident-{incident.uuid.hex}").inner_text()
    customer.locator("textarea[name=note]").fill("La photo montre les dégâts.")
    customer.locator("button[value=escalate]").click()
    customer.wait_for_load_state()
    assert Incident.objects.get().status == "escalated"
    _checked(customer, axe, screenshot, "fr-phone-incident-escalated")

    # The operator refunds 20 € from its own account, charged to the seller.
    operator = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en", bypass_csp=True
    ).new_page()
    sign_in(operator, f"{base}/admin/login/?next=/back-office/", "olivia@operator.test", PASSWORD)
    operator.goto(f"{base}/back-office/incidents/")
    _checked(operator, axe, screenshot, "back-office-incidents-queue")
    operator.locator("table a").first.click()
    operator.wait_for_load_state()
    assert "La photo montre les dégâts." in operator.locator("main").inner_text()
    assert image_width(operator.locator(".incident-photos img")) == 64
    operator.locator("input[value=refund_operator]").check()
    operator.fill("#decision-amount", "20.00")
    operator.fill("#decision-reason", "The photo shows the damage.")
    _checked(operator, axe, screenshot, "back-office-incident-decide")
    operator.locator("form.panel button[type=submit]").click()
    operator.wait_for_load_state()
    incident = Incident.objects.get()
    assert (incident.status, incident.refund_minor) == ("closed", 2000)
    refund = Refund.objects.get(pk=incident.refund_id)
    assert refund.idempotency_key.startswith("operator-paid-seller-order-")

    customer.goto(f"{base}/s/{code}/account/orders/{number}/")
    assert "The photo shows the damage." in customer.locator(f"#incident-{incident.uuid.hex}").inner_text()
    _checked(customer, axe, screenshot, "fr-phone-incident-decided")
