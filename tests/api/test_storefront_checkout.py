"""A purchase through the storefront API only: sign in, cart, checkout with an Idempotency-Key,
the order listed. A retry charges once; a price changed since the quote charges nothing."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from galerie.cart.models import CartLine
from galerie.checkout.models import CheckoutAttempt
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.services import offer_price_set
from galerie.orders.models import Order
from galerie.payments.models import Payment
from galerie.payments.testgateway.services import charge_confirm
from tests.api.conftest import Api
from tests.api.storefront_world import PASSWORD, World, build_world
from tests.factories import TESTS, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {"name": "Alice Martin", "line1": "3 rue des Lilas", "postal_code": "69003", "city": "Lyon"}
CARD = {
    "number": "4242 4242 4242 4242",
    "exp_month": 12,
    "exp_year": 2031,
    "cvc": "123",
    "holder": "A MARTIN",
}


@pytest.fixture
def world() -> World:
    return build_world()


def signed_in(client, world: World, email: str = "buyer@example.test") -> Api:
    make_user(email=email, password=PASSWORD)
    reply = Api(client).post(
        f"/storefronts/{world.shop.code}/auth/token", {"email": email, "password": PASSWORD}
    )
    assert reply.status_code == 200
    return Api(client, reply.json()["token"])


def fill_cart(api: Api, world: World) -> dict[str, Any]:
    code = world.shop.code
    assert api.post(f"/storefronts/{code}/cart").status_code == 201
    api.post(f"/storefronts/{code}/cart/lines", {"offer_id": str(world.cheap.uuid), "quantity": 2})
    reply = api.post(f"/storefronts/{code}/cart/lines", {"offer_id": str(world.dear.uuid)})
    assert reply.status_code == 201
    return reply.json()["quote"]


def checkout(api: Api, world: World, quote: dict[str, Any], key: str | None, **changes: Any):
    body = {
        "address": ADDRESS,
        "card": CARD,
        "quote_fingerprint": quote["fingerprint"],
        "quote_shown": quote["shown"],
        **changes,
    }
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(f"/storefronts/{world.shop.code}/checkout", body, headers=headers)


def stocks(world: World) -> list[int]:
    return [Offer.objects.get(pk=o.pk).stock for o in (world.cheap, world.dear)]


def test_a_whole_purchase_through_the_api_and_its_retry_charge_once(client, world) -> None:
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    key = secrets.token_urlsafe(24)
    placed = checkout(api, world, quote, key)
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert body["status"] == "completed"
    order = body["order"]
    assert order["total"] == quote["total"]
    assert {part["seller"] for part in order["seller_orders"]} == {
        world.alice.display_name,
        world.bob.display_name,
    }
    assert stocks(world) == [1, 19]
    assert not CartLine.objects.exists()  # the order took the cart's lines
    # The same request again (a lost answer): the first answer, one order, one payment.
    again = checkout(api, world, quote, key)
    assert again.status_code == 201 and again.json() == body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert CheckoutAttempt.objects.get().idempotency_key == key
    # The order is listed, and readable.
    listed = api.get(f"/storefronts/{world.shop.code}/orders").json()
    assert [o["number"] for o in listed["items"]] == [order["number"]] and listed["next"] is None
    detail = api.get(f"/storefronts/{world.shop.code}/orders/{order['id']}").json()
    assert detail["number"] == order["number"]
    assert detail["address"]["postal_code"] == "69003"


def test_the_service_finds_the_attempt_by_its_key_when_the_stored_answer_is_lost(client, world) -> None:
    from galerie.api.models import IdempotencyRecord

    api = signed_in(client, world)
    quote = fill_cart(api, world)
    key = secrets.token_urlsafe(24)
    first = checkout(api, world, quote, key).json()
    IdempotencyRecord.objects.all().delete()  # as if the server died before keeping the answer
    again = checkout(api, world, quote, key)
    assert again.status_code == 201
    assert again.json()["order"]["number"] == first["order"]["number"]
    assert Order.objects.count() == 1 and Payment.objects.count() == 1


@pytest.mark.parametrize("key", [None, "short"])
def test_a_checkout_without_a_proper_idempotency_key_is_a_422(client, world, key) -> None:
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    reply = checkout(api, world, quote, key)
    assert reply.status_code == 422
    assert reply.json()["error"]["field"] == "Idempotency-Key"
    assert not Payment.objects.exists() and not Order.objects.exists()
    assert stocks(world) == [3, 20]


def test_a_price_changed_since_the_quote_is_refused_and_nothing_is_charged(client, world) -> None:
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    offer_price_set(offer_id=world.dear.pk, price=Money(1990, "EUR"), by=TESTS)
    reply = checkout(api, world, quote, secrets.token_urlsafe(24))
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "checkout_quote_changed"
    assert not Payment.objects.exists() and not Order.objects.exists()
    assert stocks(world) == [3, 20]
    # The new quote, shown and confirmed, goes through at the new price.
    fresh = api.get(f"/storefronts/{world.shop.code}/cart").json()["quote"]
    assert fresh["total"]["amount"] == quote["total"]["amount"] + 100
    placed = checkout(api, world, fresh, secrets.token_urlsafe(24))
    assert placed.status_code == 201
    assert Payment.objects.get().amount_minor == fresh["total"]["amount"]


def test_a_declined_card_is_a_402_and_gives_the_stock_back(client, world) -> None:
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    reply = checkout(
        api, world, quote, secrets.token_urlsafe(24), card={**CARD, "number": "4000000000000002"}
    )
    assert reply.status_code == 402
    assert reply.json()["error"]["code"] == "payment_declined"
    assert not Order.objects.exists()
    assert stocks(world) == [3, 20]


def test_a_confirmation_step_returns_its_url_then_the_return_finishes(client, world) -> None:
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    reply = checkout(
        api, world, quote, secrets.token_urlsafe(24), card={**CARD, "number": "4000000000003220"},
        return_url="https://headless.example.test/back",
    )  # fmt: skip
    assert reply.status_code == 202
    body = reply.json()
    assert body["status"] == "requires_action" and body["action_url"] and body["order"] is None
    # Not confirmed yet: still under way, no order.
    back = api.post(f"/storefronts/{world.shop.code}/checkout/return", {"attempt_id": body["attempt_id"]})
    assert back.status_code == 202 and back.json()["status"] == "requires_action"
    assert not Order.objects.exists()
    # The customer approves at the gateway (what its confirmation page does), then comes back.
    charge_confirm(reference=body["action_url"].rstrip("/").rsplit("/", 1)[-1], approve=True)
    done = api.post(f"/storefronts/{world.shop.code}/checkout/return", {"attempt_id": body["attempt_id"]})
    assert done.status_code == 201 and done.json()["status"] == "completed"
    assert Order.objects.get().number == done.json()["order"]["number"]
    # Another customer cannot finish it.
    other = signed_in(client, world, email="other@example.test")
    stranger = other.post(
        f"/storefronts/{world.shop.code}/checkout/return", {"attempt_id": body["attempt_id"]}
    )
    assert stranger.status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": {**ADDRESS, "postal_code": "6900"}}, "address.postal_code"),
        ({"address": {**ADDRESS, "country": "DE"}}, "address.country"),
        ({"card": {**CARD, "exp_year": 2020}}, "card"),
        ({"card": {**CARD, "cvc": "12"}}, "card.cvc"),
        ({"quote_fingerprint": ""}, "quote_fingerprint"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_charges_nothing(client, world, changes, field) -> None:
    api = signed_in(client, world)
    quote = fill_cart(api, world)
    reply = checkout(api, world, quote, secrets.token_urlsafe(24), **changes)
    assert reply.status_code == 422, reply.content
    assert any(name.startswith(field) for name in reply.json()["error"]["errors"]), reply.json()
    assert not Payment.objects.exists() and not Order.objects.exists()
    assert stocks(world) == [3, 20]


def test_a_guest_cannot_check_out(client, world) -> None:
    reply = Api(client).post(
        f"/storefronts/{world.shop.code}/checkout", {}, headers={"Idempotency-Key": "k" * 20}
    )
    assert reply.status_code == 401


def test_another_customers_order_is_a_404(client, world) -> None:
    buyer = signed_in(client, world)
    order = checkout(buyer, world, fill_cart(buyer, world), secrets.token_urlsafe(24)).json()["order"]
    other = signed_in(client, world, email="other@example.test")
    reply = other.get(f"/storefronts/{world.shop.code}/orders/{order['id']}")
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "order_not_found"
    assert other.get(f"/storefronts/{world.shop.code}/orders").json()["items"] == []
    # Nor on another storefront: an order is read on its own.
    assert buyer.get(f"/storefronts/{world.other.code}/orders/{order['id']}").status_code == 404
    assert buyer.get(f"/storefronts/{world.shop.code}/orders/not-a-uuid").status_code == 422
