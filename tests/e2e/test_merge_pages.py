"""A merge's confirmation page and its back-office page in Chromium: the seller's owner, in French,
opens the link of the e-mail and confirms; a customer on a phone reads their question; the operator
reads the merge's page. axe-core finds no serious violation; screenshots are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from galerie.portability.merge import merge_plan, party_token
from galerie.portability.models import MergeParty
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.factories import make_user
from tests.portability.world import build_merging

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"  # tests.factories.make_user's
WINDOW = {"viewport": {"width": 1280, "height": 900}, "bypass_csp": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "bypass_csp": True}


def _accessible(page, source: str, name: str) -> None:
    found = describe(axe_violations(page, source))
    assert not found, f"{name}: {found}"


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, scroll


def test_the_confirmation_and_merge_pages(live_server, browser, screenshot, tmp_path):
    source = axe_source()
    world = build_merging(tmp_path)
    owner = make_user(email="owner@martin.test", preferred_language="fr")
    seller_member_add(seller=world["seller"], user=owner, role=SellerMember.Role.OWNER)
    merge = merge_plan(path=world["bundle"], by=world["operator"])
    seller_party = MergeParty.objects.get(merge=merge, kind="seller")
    customer_party = MergeParty.objects.get(merge=merge, kind="customer")
    base = live_server.url

    # 1. The seller's owner opens the e-mail's link: French, the question, two named buttons.
    page = browser.new_context(**WINDOW).new_page()
    page.goto(base + reverse("merge_confirm", kwargs={"token": party_token(seller_party)}))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "est-elle votre boutique" in page.locator("h1").inner_text()
    confirm = page.get_by_role("button", name="Confirmer : c’est ma boutique")
    decline = page.get_by_role("button", name="Refuser : garder à part")
    assert confirm.is_visible() and decline.is_visible()
    screenshot(page, "merge-confirm-01-seller-question-fr")
    _accessible(page, source, "seller question")
    confirm.click()
    page.wait_for_load_state()
    assert "vous avez confirmé" in page.locator("#merge-outcome").inner_text()
    seller_party.refresh_from_db()
    assert seller_party.status == MergeParty.Status.CONFIRMED
    screenshot(page, "merge-confirm-02-seller-confirmed-fr")
    _accessible(page, source, "seller confirmed")

    # 2. The customer reads theirs on a phone: the buttons above the fold, nothing wider than the screen.
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(base + reverse("merge_confirm", kwargs={"token": party_token(customer_party)}))
    button = phone.get_by_role("button", name="Confirmer : voir mes commandes ici")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    _fits(phone, 390)
    screenshot(phone, "merge-confirm-03-customer-phone")
    _accessible(phone, source, "customer question")

    # 3. A link that is not one.
    phone.goto(base + reverse("merge_confirm", kwargs={"token": "not-a-token"}))
    assert "This confirmation link is not valid, or too old." in phone.locator("main").inner_text()
    _accessible(phone, source, "bad link")

    # 4. The operator reads the merge's page: what the commit waits for, the answers so far.
    operator = make_user(email="olivia@operator.test", password=PASSWORD, is_staff=True, is_superuser=True)
    office = browser.new_context(**WINDOW).new_page()
    detail = reverse("back_office:merge", kwargs={"merge_id": merge.pk})
    sign_in(office, f"{base}/admin/login/?next={detail}", operator.email, PASSWORD)
    assert office.url.endswith(detail)
    assert "1 doubtful product to review." in office.locator("#reviews-pending").inner_text()
    assert "Confirmed" in office.locator(f"#party-{seller_party.pk}").inner_text()
    assert office.get_by_role("checkbox", name="Keep the sellers who have not answered apart").count() == 1
    screenshot(office, "merge-back-office-01-detail")
    _accessible(office, source, "merge detail")
    office.get_by_role("button", name="Commit the merge…").click()
    office.wait_for_load_state()
    assert "the commit will be refused" in office.locator(".consequences").inner_text()
    screenshot(office, "merge-back-office-02-commit-confirmation")
    _accessible(office, source, "commit confirmation")
    office.goto(base + reverse("back_office:merges"))
    screenshot(office, "merge-back-office-03-list")
    _accessible(office, source, "merge list")
