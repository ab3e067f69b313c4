"""The checkout page: a price changed since it was shown is confirmed before any charge, and
the terms, withdrawal and sellers' legal notices are linked before paying."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from galerie.cart.models import CartLine
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.services import offer_price_set
from galerie.orders.models import Order
from galerie.payments.models import Payment
from tests.factories import TESTS, make_offer, make_seller, make_storefront, make_user, make_variant
from tests.web.test_shop_pages import CHECKOUT, add, hidden_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store():
    storefront = make_storefront(code="plume", name="Plume", default_language="en")
    a = make_offer(
        seller=make_seller(storefronts=[storefront], display_name="Librairie Arles"),
        variant=make_variant(),
        price_minor=1990,
        stock=4,
    )
    b = make_offer(
        seller=make_seller(storefronts=[storefront], display_name="Maison Brun"),
        variant=make_variant(),
        price_minor=3500,
        stock=1,
    )
    return storefront, a, b


def pay_button(page: str) -> str:
    return re.sub(
        r"\s+",
        " ",
        re.search(r'<button class="button button-wide button-pay"[^>]*>(.*?)</button>', page, re.S)[1],
    )


def test_a_price_raised_between_showing_and_paying_is_confirmed_first_then_charged_as_shown(client, store):
    _, a, b = store
    client.force_login(make_user())
    add(client, a, 2)
    add(client, b)
    page = client.get("/s/plume/checkout/").content.decode()
    assert "Pay €84.60" in pay_button(page)  # 2 × 19.90 + 35.00 + 9.80 of shipping
    offer_price_set(by=TESTS, offer_id=a.pk, price=Money(2290, "EUR"))  # the seller raises it meanwhile

    response = client.post("/s/plume/checkout/", {**CHECKOUT, **hidden_of(page)})

    assert response.status_code == 409
    assert not Payment.objects.exists() and not Order.objects.exists()
    assert [Offer.objects.get(pk=o.pk).stock for o in (a, b)] == [4, 1]
    assert CartLine.objects.get(offer=a).quantity == 2
    confirm = response.content.decode()
    assert 'id="quote-changed"' in confirm
    assert "€19.90 → €22.90" in confirm
    assert "the page showed €84.60" in confirm
    assert "Confirm and pay €90.60" in pay_button(confirm)

    done = client.post("/s/plume/checkout/", {**CHECKOUT, **hidden_of(confirm)})

    order = Order.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/s/plume/orders/{order.number}/placed/"
    assert order.payment.amount_minor == order.total_minor == 9060
    assert Payment.objects.count() == 1


def test_a_post_without_the_page_s_fingerprint_charges_nothing(client, store):
    _, a, _ = store
    client.force_login(make_user())
    add(client, a)
    key = hidden_of(client.get("/s/plume/checkout/").content.decode())["idempotency_key"]

    response = client.post("/s/plume/checkout/", {**CHECKOUT, "idempotency_key": key})

    assert response.status_code == 409 and not Payment.objects.exists()
    assert "Confirm and pay" in pay_button(response.content.decode())


@override_settings(GALERIE_OPERATOR_NAME="Plume Marketplace SAS")
@pytest.mark.parametrize("language", ["en", "fr"])
def test_checkout_links_the_terms_the_withdrawal_and_each_seller_s_legal_notice(client, store, language):
    storefront, a, b = store
    storefront.default_language = language
    storefront.save(update_fields=["default_language"])
    client.force_login(make_user())
    add(client, a)
    add(client, b)

    page = client.get("/s/plume/checkout/").content.decode()

    legal = re.search(r'<section class="checkout-legal.*?</section>', page, re.S)[0]
    links = dict((text.strip(), href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', legal))
    words = {
        "en": ["terms of sale of Plume", "withdrawal information", "legal notice of Librairie Arles",
               "legal notice of Maison Brun"],
        "fr": ["conditions générales de vente de Plume", "informations sur la rétractation",
               "mentions légales de Librairie Arles", "mentions légales de Maison Brun"],
    }[language]  # fmt: skip
    terms, withdrawal, notice_a, notice_b = (links[w] for w in words)
    assert (terms, withdrawal) == ("/s/plume/terms/", "/s/plume/withdrawal/")
    assert notice_a == f"/s/plume/seller/{a.seller.slug}/#legal-title"
    assert notice_b == f"/s/plume/seller/{b.seller.slug}/#legal-title"
    # The pay button comes after the links: they are read before the order is placed.
    assert page.index("checkout-legal") < page.index("button-pay")
    headings = {
        terms: {"en": "Terms of sale", "fr": "Conditions générales de vente"},
        withdrawal: {"en": "Withdrawal information", "fr": "Informations sur la rétractation"},
    }
    for url, heading in headings.items():
        shown = client.get(url)
        assert shown.status_code == 200 and shown["Content-Language"] == language
        text = shown.content.decode()
        assert f"<h1>{heading[language]}</h1>" in text
        assert "Plume Marketplace SAS" in text
    assert "#legal-title" in notice_a
    assert 'id="legal-title"' in client.get(notice_a.split("#")[0]).content.decode()
