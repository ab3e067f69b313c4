"""A thread in Chromium: the customer sends a photo about an order from a phone, the seller sees
the unread count on its dashboard and orders, answers with a picture, the customer sees the
count on the order page, reads the answer and the count clears; contact details typed in are
masked; axe-core finds no violation; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from galerie.messaging.models import Attachment, Thread
from galerie.orders.models import SellerOrder
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import image_width, sign_in
from tests.factories import make_seller, make_staff_member, make_storefront, make_user
from tests.orders.quality_data import place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _picture(path, kind: str, colour: tuple[int, int, int]):
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format=kind)
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def marketplace():
    storefront = make_storefront(name="Page & Plume", code="pageplume")
    seller = make_seller(storefronts=[storefront], display_name="Librairie Martin")
    make_staff_member(seller, "owner", email="martin@galerie.test", password="galerie-seller")
    make_user(email="operator@galerie.test", password="galerie-operator", is_staff=True)
    customer = make_user(email="alice@galerie.test", password="galerie-customer", full_name="Alice Martin")
    part = place(
        storefront,
        seller,
        customer,
        placed_at=timezone.now() - timedelta(days=3),
        status=SellerOrder.Status.SHIPPED,
    )
    return part


def _check(page, axe, shot: str, screenshot) -> None:
    path = screenshot(page, shot)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{shot} is {overflow}px wider than the screen ({path})"
    found = axe_violations(page, axe)
    assert not found, describe(found)


def test_a_thread_with_a_picture_both_ways(marketplace, live_server, browser, screenshot, tmp_path):
    base, part, axe = live_server.url, marketplace, axe_source()
    order_page = f"{base}/s/pageplume/account/orders/{part.order.number}/"
    photo = _picture(tmp_path / "IMG_2041.jpg", "JPEG", (180, 60, 40))
    answer = _picture(tmp_path / "emballage.png", "PNG", (40, 90, 180))

    # The customer, on a phone, writes from the order page with a photo of the damage.
    customer = browser.new_context(viewport=PHONE, locale="fr", bypass_csp=True).new_page()
    sign_in(customer, f"{base}/s/pageplume/account/login/", "alice@galerie.test", "galerie-customer")
    customer.goto(order_page)
    customer.get_by_role("link", name="Messages avec Librairie Martin").click()
    customer.wait_for_load_state()
    assert customer.locator("html").get_attribute("lang") == "fr"
    customer.fill("#message-body", "Bonjour, la couverture est pliée. Appelez-moi au 06 12 34 56 78.")
    customer.set_input_files("#message-files", str(photo))
    customer.get_by_role("button", name="Envoyer").click()
    customer.wait_for_load_state()
    mine = customer.locator(".message-item.is-mine")
    assert "[coordonnées masquées]" in mine.inner_text() and "06 12" not in mine.inner_text()
    assert image_width(customer.locator(".message-files img")) == 640
    _check(customer, axe, "fr-phone-customer-thread-sent", screenshot)

    # The seller sees one unread message on its dashboard and its orders, and answers.
    seller = browser.new_context(viewport=DESKTOP, locale="fr", bypass_csp=True).new_page()
    sign_in(seller, f"{base}/sell/login/", "martin@galerie.test", "galerie-seller")
    seller.goto(f"{base}/sell/")
    assert seller.locator("[data-stat=unread-messages]").inner_text() == "1"
    _check(seller, axe, "fr-seller-dashboard-messages", screenshot)
    seller.goto(f"{base}/sell/orders/")
    assert seller.locator(f"a.message-new[href$='/sell/orders/{part.number}/messages/']").count() == 1
    seller.goto(f"{base}/sell/orders/{part.number}/")
    with seller.expect_response(lambda r: r.url.endswith("/read/") and r.status == 204):
        seller.get_by_role("link", name="Ouvrir la conversation").click()
    assert "[coordonnées masquées]" in seller.locator(".message-customer").inner_text()
    _check(seller, axe, "fr-seller-thread", screenshot)
    seller.fill("#message-body", "Désolé ! Je vous envoie un autre exemplaire, voici l'emballage prévu.")
    seller.set_input_files("#message-files", str(answer))
    seller.get_by_role("button", name="Envoyer").click()
    seller.wait_for_load_state()
    assert seller.locator(".message-files img").count() == 2
    seller.goto(f"{base}/sell/")
    assert seller.locator("[data-stat=unread-messages]").inner_text() == "0"

    # The customer sees the count on the order page, reads the answer, and the count clears.
    customer.goto(order_page)
    badge = customer.locator(".thread-link .message-new")
    assert badge.inner_text() == "1 non lu"
    _check(customer, axe, "fr-phone-customer-order-unread", screenshot)
    with customer.expect_response(lambda r: r.url.endswith("/read/") and r.status == 204):
        customer.get_by_role("link", name="Messages avec Librairie Martin").click()
    theirs = customer.locator(".message-seller")
    assert "autre exemplaire" in theirs.inner_text()
    assert image_width(theirs.locator("img")) == 640
    _check(customer, axe, "fr-phone-customer-thread-answer", screenshot)
    customer.goto(order_page)
    assert customer.locator(".thread-link .message-new").count() == 0

    thread = Thread.objects.get(seller_order=part)
    assert (thread.customer_unread, thread.seller_unread) == (0, 0)
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == ["image/jpeg", "image/png"]

    # The customer asks the marketplace in; the operator (in English) reads the thread and answers.
    customer.goto(f"{base}/s/pageplume/account/messages/{part.number}/")
    customer.locator("summary", has_text="Demander l’intervention").click()
    customer.fill("#operator-reason", "Le vendeur ne répond plus, mon e-mail : alice@galerie.test")
    customer.get_by_role("button", name="Demander l’intervention").click()
    customer.wait_for_load_state()
    assert "Intervention de la place de marché demandée" in customer.locator("h1 + .status").inner_text()
    operator = browser.new_context(viewport=DESKTOP, locale="en", bypass_csp=True).new_page()
    sign_in(
        operator,
        f"{base}/admin/login/?next=/back-office/messages/",
        "operator@galerie.test",
        "galerie-operator",
    )
    operator.goto(f"{base}/back-office/messages/")
    row = operator.locator("tbody tr", has_text=part.number)
    assert "[contact details hidden]" in row.inner_text() and "alice@" not in row.inner_text()
    _check(operator, axe, "en-back-office-conversations", screenshot)
    # The page marks itself read a second after it loads: wait for it before writing.
    with operator.expect_response(lambda r: r.url.endswith("/read/") and r.status == 204):
        row.get_by_role("link", name=part.number).click()
    assert operator.locator(".message-files img").count() == 2
    operator.fill("#message-body", "We are sending a new copy today.")
    operator.get_by_role("button", name="Send").click()
    operator.wait_for_load_state()
    _check(operator, axe, "en-back-office-thread", screenshot)
    customer.goto(order_page)
    assert customer.locator(".thread-link .message-new").inner_text() == "1 non lu"

    # Under the site's own Content-Security-Policy (no bypass): the read mark still goes out and
    # nothing is refused.
    strict = browser.new_context(viewport=PHONE, locale="fr").new_page()
    refused: list[str] = []
    strict.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(strict, f"{base}/s/pageplume/account/login/", "alice@galerie.test", "galerie-customer")
    with strict.expect_response(lambda r: r.url.endswith("/read/") and r.status == 204):
        strict.goto(f"{base}/s/pageplume/account/messages/{part.number}/")
    assert image_width(strict.locator(".message-files img").first) == 640
    assert not refused, refused
