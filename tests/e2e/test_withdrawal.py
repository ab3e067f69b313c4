"""The withdrawal function in Chromium: a customer withdraws one item of a two-seller order on a
phone, the seller gives return instructions, receives the item and refunds it, the customer
sees the refund on the order page, and the seller's payout statement shows it. axe finds no
violation on the pages walked; the screenshots are in test-artifacts/screenshots/."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import Payout
from galerie.returns.models import Return
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.returns.conftest import deliver, settle
from tests.returns.conftest import placed as placed  # the fixture
from tests.returns.conftest import shop as shop  # the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"  # tests.factories.make_user's


def _text(locator) -> str:
    return " ".join(locator.inner_text().replace("\xa0", " ").replace("\u202f", " ").split())


def _axe_clean(page, axe: str, where: str) -> None:
    violations = axe_violations(page, axe)
    assert violations == [], f"{where}: " + "; ".join(describe(violations))


def test_withdraw_one_item_and_get_it_refunded(
    placed, live_server, browser, screenshot, smtp_inbox, settings, tmp_path
):
    settings.GALERIE_SITE_URL = live_server.url
    base, code, order = live_server.url, placed.storefront.code, placed.order
    part_a = deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=3))
    deliver(placed.part_b, placed.owner_b, timezone.now() - timedelta(days=2))
    axe = axe_source()

    # 1. On a phone, the customer opens the order and withdraws one of seller A's two books.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr", bypass_csp=True
    ).new_page()
    sign_in(phone, f"{base}/s/{code}/account/login/?next=/s/{code}/account/orders/{order.number}/",
            placed.customer.email, PASSWORD)  # fmt: skip
    phone.goto(f"{base}/s/{code}/account/orders/{order.number}/")
    buttons = phone.get_by_role("link", name="Se rétracter du contrat ici")
    assert buttons.count() == 2  # one per seller order, both delivered
    _axe_clean(phone, axe, "order page")
    screenshot(phone, "withdrawal-01-order-phone")
    phone.locator(f"section[aria-labelledby='so-{part_a.pk}']").get_by_role(
        "link", name="Se rétracter du contrat ici"
    ).click()
    phone.wait_for_load_state()
    line = part_a.lines.get()
    phone.fill(f"#qty-{line.pk}", "1")
    _axe_clean(phone, axe, "choice")
    screenshot(phone, "withdrawal-02-choose")
    phone.get_by_role("button", name="Continuer").click()
    phone.wait_for_load_state()
    assert "1 × " + line.product_title in _text(phone.locator("main"))
    _axe_clean(phone, axe, "confirmation")
    screenshot(phone, "withdrawal-03-confirm")
    phone.get_by_role("button", name="Confirmer la rétractation").click()
    phone.wait_for_load_state()
    assert "Votre rétractation est enregistrée" in _text(phone.locator("body"))
    ret = Return.objects.get()
    assert (ret.seller_order_id, ret.items_minor, ret.shipping_minor) == (part_a.pk, line.unit_price_minor, 0)
    screenshot(phone, "withdrawal-04-declared")

    # 2. The worker sends the acknowledgement at once, with the filled-in form.
    call_command("worker", once=True, verbosity=0, stdout=io.StringIO())
    [ack] = [m for m in smtp_inbox.to(order.email) if "rétractation" in m["Subject"]]
    assert [a.get_content_type() for a in ack.iter_attachments()] == ["application/pdf"]

    # 3. Seller A gives instructions, receives the book and refunds it.
    seller = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    sign_in(seller, f"{base}/sell/login/", placed.owner_a.email, PASSWORD)
    seller.goto(f"{base}/sell/")
    assert _text(seller.locator("[data-stat=returns] strong")) == "1"
    seller.locator("[data-stat=returns]").click()
    seller.wait_for_load_state()
    seller.locator(f"a[href='/sell/returns/{ret.pk}/']").click()
    seller.wait_for_load_state()
    _axe_clean(seller, axe, "seller return")
    seller.fill("#instructions", "Librairie A, 5 place Bellecour, 69002 Lyon")
    seller.locator("button[value=instruct]").click()
    seller.wait_for_load_state()
    seller.locator("button[value=receive]").click()
    seller.wait_for_load_state()
    screenshot(seller, "withdrawal-05-seller-received")
    seller.locator("button[value=refund]").click()
    seller.wait_for_load_state()
    settle()
    ret.refresh_from_db()
    assert (ret.status, ret.refund_minor) == ("refunded", line.unit_price_minor)
    _axe_clean(seller, axe, "seller refunded")
    screenshot(seller, "withdrawal-06-seller-refunded")

    # 4. The customer sees the instructions and the refund on the order page.
    phone.goto(f"{base}/s/{code}/account/orders/{order.number}/")
    page_text = _text(phone.locator("main"))
    assert "5 place Bellecour" in page_text and "Remboursé le" in page_text
    assert "Remboursement de la part de" in page_text
    _axe_clean(phone, axe, "order page after refund")
    screenshot(phone, "withdrawal-07-order-refunded")

    # 5. After the period, the payout's statement shows the part net of the withdrawn book.
    seller_orders_make_available(now=timezone.now() + timedelta(days=20))
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    call_command("payouts", "run", stdout=io.StringIO())
    payout = Payout.objects.get(seller=placed.seller_a)
    seller.goto(f"{base}/sell/money/payouts/{payout.pk}/statement/")
    statement = _text(seller.locator("main"))
    assert part_a.number in statement
    _axe_clean(seller, axe, "statement")
    screenshot(seller, "withdrawal-08-statement")
