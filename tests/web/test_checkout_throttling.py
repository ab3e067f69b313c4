"""Card testing: checkouts are throttled per customer and per IP, declined payments tighter, on
the storefront page and in the API alike (their counts are shared), with 429 and Retry-After.

The clock django-ratelimit and the locks read is moved forward (tests/web/test_throttling.py).
"""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from django.utils import translation

from galerie.checkout.models import CheckoutAttempt
from galerie.core.throttling import Throttled
from galerie.orders.models import Order
from tests.api.test_storefront_checkout import CARD, checkout, fill_cart, signed_in
from tests.api.test_storefront_checkout import world as world
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant
from tests.web.test_shop_pages import CHECKOUT, add, hidden_of
from tests.web.test_throttling import clock as clock

pytestmark = pytest.mark.django_db(transaction=True)

DECLINED = "4000 0000 0000 0002"
LOCKED = "Too many payment attempts. For your security, try again in"


@pytest.fixture
def store():
    storefront = make_storefront(code="plume", default_language="en")
    offer = make_offer(
        seller=make_seller(storefronts=[storefront]), variant=make_variant(), price_minor=1990, stock=50
    )
    return storefront, offer


def _pay(client, page: str, number: str = DECLINED, ip: str = "203.0.113.7"):
    return client.post(
        "/s/plume/checkout/", {**CHECKOUT, "number": number, **hidden_of(page)}, REMOTE_ADDR=ip
    )


def test_five_declined_cards_lock_the_customer_for_an_hour_and_nothing_reaches_the_gateway(
    client, store, clock
):
    _, offer = store
    client.force_login(make_user(email="tester@example.test"))
    add(client, offer)
    page = client.get("/s/plume/checkout/").content.decode()
    answers = []
    for _ in range(5):
        answers.append(_pay(client, page))
        page = answers[-1].content.decode()
    attempts = CheckoutAttempt.objects.count()

    refused = _pay(client, page, number="4242 4242 4242 4242")  # a good card too

    assert [a.status_code for a in answers] == [402] * 5
    assert all("Retry-After" not in a for a in answers)
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "60 minutes" in refused.content.decode()
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert CheckoutAttempt.objects.count() == attempts and not Order.objects.exists()
    # another customer on another address pays
    other = Client()
    other.force_login(make_user())
    add(other, offer)
    assert (
        _pay(
            other, other.get("/s/plume/checkout/").content.decode(), number=CARD["number"], ip="192.0.2.9"
        ).status_code
        == 302
    )
    # the hour over, the first customer pays with a good card
    clock.offset += 3601
    assert _pay(client, refused.content.decode(), number=CARD["number"]).status_code == 302
    assert Order.objects.count() == 2


def test_declines_are_counted_per_ip_across_customers(client, store, clock, settings):
    settings.GALERIE_THROTTLE_RATES = {"checkout_declined": {"ip": "3/h"}}
    _, offer = store
    for n in range(3):
        client.force_login(make_user(email=f"mule{n}@example.test"))
        add(client, offer)
        assert _pay(client, client.get("/s/plume/checkout/").content.decode()).status_code == 402
    client.force_login(make_user(email="mule9@example.test"))
    add(client, offer)
    page = client.get("/s/plume/checkout/").content.decode()

    refused = _pay(client, page)

    assert refused.status_code == 429 and 3500 < int(refused["Retry-After"]) <= 3600
    assert _pay(client, page, number="4242 4242 4242 4242", ip="192.0.2.9").status_code == 302


def test_every_checkout_sent_counts_even_when_paid(client, store, clock, settings):
    settings.GALERIE_THROTTLE_RATES = {"checkout": {"account": "2/h"}}
    _, offer = store
    client.force_login(make_user())
    for _ in range(2):
        add(client, offer)
        assert (
            _pay(client, client.get("/s/plume/checkout/").content.decode(), number=CARD["number"]).status_code
            == 302
        )
    add(client, offer)

    refused = _pay(client, client.get("/s/plume/checkout/").content.decode(), number=CARD["number"])

    assert refused.status_code == 429 and Order.objects.count() == 2


def test_the_api_checkout_is_throttled_with_the_api_error_body_and_shares_the_pages_counts(
    client, world, clock, settings
):
    settings.GALERIE_THROTTLE_RATES = {"checkout_declined": {"account": "2/h"}}
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    declined = {**CARD, "number": "4000000000000002"}
    codes = [
        checkout(api, world, quote, secrets.token_urlsafe(24), card=declined).status_code for _ in range(2)
    ]
    key = secrets.token_urlsafe(24)
    attempts = CheckoutAttempt.objects.count()

    refused = checkout(api, world, quote, key)

    assert codes == [402, 402]
    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and error["message"].startswith(LOCKED)
    assert CheckoutAttempt.objects.count() == attempts
    # the storefront page refuses the same customer: one count for both doors
    client.force_login(api_user := CheckoutAttempt.objects.first().customer)
    assert api_user.email == "buyer@example.test"
    page = client.get(f"/s/{world.shop.code}/checkout/")
    answer = client.post(f"/s/{world.shop.code}/checkout/", {**CHECKOUT, **hidden_of(page.content.decode())})
    assert answer.status_code == 429
    # a 429 is not kept under its Idempotency-Key: the same key, after the hour, is a checkout
    clock.offset += 3601
    assert checkout(api, world, quote, key).status_code == 201


def test_the_message_is_translated():
    with translation.override("fr"):
        assert Throttled(action="checkout", retry_after=90).message == (
            "Trop de tentatives de paiement. Pour votre sécurité, réessayez dans 2 minutes."
        )
