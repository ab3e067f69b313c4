"""Cart, sign-up at checkout, checkout and account pages through Django's test client."""

from __future__ import annotations

import re

import pytest

from galerie.cart.models import Cart, CartLine
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.services import offer_price_set
from galerie.orders.models import Order
from tests.factories import TESTS, make_offer, make_seller, make_storefront, make_user, make_variant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store():
    storefront = make_storefront(code="plume")
    a = make_offer(
        seller=make_seller(storefronts=[storefront]), variant=make_variant(), price_minor=1990, stock=4
    )
    b = make_offer(
        seller=make_seller(storefronts=[storefront]), variant=make_variant(), price_minor=3500, stock=1
    )
    return storefront, a, b


def add(client, offer, quantity=1):
    return client.post("/s/plume/cart/add/", {"offer": offer.uuid.hex, "quantity": quantity})


def key_of(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page)[1]


def hidden_of(page: str) -> dict[str, str]:
    """The checkout form's hidden fields: its key and the quote the page showed."""
    names = ("idempotency_key", "quote_fingerprint", "quote_shown")
    return {name: re.search(rf'name="{name}" value="([^"]*)"', page)[1] for name in names}


CHECKOUT = {
    "name": "Alice Martin", "line1": "3 rue des Lilas", "postal_code": "69003", "city": "Lyon",
    "country": "FR", "number": "4242 4242 4242 4242", "expiry": "12/31", "cvc": "123",
    "holder": "Alice Martin",
}  # fmt: skip


def test_a_guest_cart_groups_lines_by_seller_and_shows_shipping(client, store):
    _, a, b = store
    assert add(client, a, 2).status_code == 302
    add(client, b)
    page = client.get("/s/plume/cart/").content.decode()
    assert page.count('class="seller-group"') == 2
    assert "39,80\xa0€" in page or "39,80 €" in page
    assert Cart.objects.get().customer is None


def test_adding_more_than_the_stock_is_refused_and_changes_nothing(client, store):
    _, _, b = store
    add(client, b)
    response = add(client, b)  # stock is 1
    assert response.status_code == 302
    page = client.get("/s/plume/cart/").content.decode()
    assert "Only 1 available" in page or "Seulement 1" in page
    assert CartLine.objects.get().quantity == 1


def test_a_bad_offer_or_quantity_is_a_clear_message_not_an_error(client, store):
    _, a, _ = store
    assert client.post("/s/plume/cart/add/", {"offer": "nope", "quantity": "1"}).status_code == 302
    assert client.post("/s/plume/cart/add/", {"offer": a.uuid.hex, "quantity": "many"}).status_code == 302
    assert not CartLine.objects.exists()


def test_the_cart_says_when_a_price_changed(client, store):
    _, a, _ = store
    add(client, a)
    offer_price_set(by=TESTS, offer_id=a.pk, price=Money(1790, "EUR"))
    page = client.get("/s/plume/cart/").content.decode()
    assert "dropped" in page or "baissé" in page


def test_checkout_asks_a_guest_to_sign_up_then_keeps_the_cart(client, store):
    _, a, b = store
    add(client, a)
    add(client, b)
    page = client.get("/s/plume/checkout/").content.decode()
    assert 'action="/s/plume/account/signup/"' in page
    response = client.post(
        "/s/plume/account/signup/",
        {
            "full_name": "Alice Martin",
            "email": "alice@example.test",
            "password": "correct horse battery",
            "next": "/s/plume/checkout/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/s/plume/checkout/"
    cart = Cart.objects.get()
    assert cart.customer.email == "alice@example.test" and cart.lines.count() == 2


def test_checkout_places_the_order_and_a_double_submit_charges_once(client, store):
    _, a, b = store
    user = make_user(password="correct horse battery")
    client.force_login(user)
    add(client, a)
    add(client, b)
    hidden = hidden_of(client.get("/s/plume/checkout/").content.decode())
    first = client.post("/s/plume/checkout/", {**CHECKOUT, **hidden})
    again = client.post("/s/plume/checkout/", {**CHECKOUT, **hidden})
    order = Order.objects.get()
    assert first["Location"] == again["Location"] == f"/s/plume/orders/{order.number}/placed/"
    page = client.get(first["Location"]).content.decode()
    assert order.number in page and page.count('class="seller-group"') == 2
    account = client.get("/s/plume/account/").content.decode()
    assert order.number in account


def test_a_declined_card_shows_why_and_changes_nothing(client, store):
    _, a, _ = store
    client.force_login(make_user())
    add(client, a, 2)
    hidden = hidden_of(client.get("/s/plume/checkout/").content.decode())
    key = hidden["idempotency_key"]
    response = client.post("/s/plume/checkout/", {**CHECKOUT, "number": "4000 0000 0000 0002", **hidden})
    assert response.status_code == 402
    assert "declined" in response.content.decode().lower() or "refusée" in response.content.decode().lower()
    assert not Order.objects.exists()
    assert Offer.objects.get(pk=a.pk).stock == 4
    assert CartLine.objects.get().quantity == 2
    # The page offers a fresh key: paying again with another card is a new attempt.
    assert key_of(response.content.decode()) != key


def test_bad_checkout_fields_are_named_and_nothing_is_taken(client, store):
    _, a, _ = store
    client.force_login(make_user())
    add(client, a)
    key = key_of(client.get("/s/plume/checkout/").content.decode())
    response = client.post(
        "/s/plume/checkout/", {**CHECKOUT, "postal_code": "ABC", "expiry": "13/20", "idempotency_key": key}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "five digits" in page or "cinq chiffres" in page
    assert "MM/YY" in page or "MM/AA" in page
    assert Offer.objects.get(pk=a.pk).stock == 4


def test_someone_elses_order_is_a_404(client, store):
    _, a, _ = store
    owner = make_user()
    client.force_login(owner)
    add(client, a)
    hidden = hidden_of(client.get("/s/plume/checkout/").content.decode())
    client.post("/s/plume/checkout/", {**CHECKOUT, **hidden})
    number = Order.objects.get().number
    client.force_login(make_user())
    assert client.get(f"/s/plume/account/orders/{number}/").status_code == 404
    assert client.get(f"/s/plume/orders/{number}/placed/").status_code == 404
    client.logout()
    assert client.get(f"/s/plume/account/orders/{number}/").status_code == 302
