"""The storefront API's cart: a guest's named by X-Cart-Token, a customer's by their credential;
lines added, changed, removed; the same quote as the cart page."""

from __future__ import annotations

import pytest

from galerie.api.auth import customer_token_make
from galerie.cart.models import Cart, CartLine
from galerie.cart.selectors import cart_view
from galerie.cart.services import cart_open
from galerie.pricing.quote import quote_fingerprint
from tests.api.conftest import Api
from tests.api.storefront_world import World, build_world
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    return build_world()


def guest_cart(api: Api, code: str) -> str:
    reply = api.post(f"/storefronts/{code}/cart")
    assert reply.status_code == 201
    body = reply.json()
    assert body["lines"] == [] and body["token"].startswith("gct_")
    return body["token"]


def test_a_guest_fills_a_cart_and_sees_the_quote_of_the_cart_page(api: Api, world) -> None:
    code = world.shop.code
    token = guest_cart(api, code)
    head = {"X-Cart-Token": token}
    added = api.post(
        f"/storefronts/{code}/cart/lines", {"offer_id": str(world.cheap.uuid), "quantity": 2}, headers=head
    )
    assert added.status_code == 201
    api.post(f"/storefronts/{code}/cart/lines", {"offer_id": str(world.dear.uuid)}, headers=head)
    changed = api.patch(f"/storefronts/{code}/cart/lines/{world.dear.uuid}", {"quantity": 2}, headers=head)
    assert changed.status_code == 200
    body = api.client.get(f"/api/v1/storefronts/{code}/cart", headers=head).json()
    assert {(line["offer_id"], line["quantity"]) for line in body["lines"]} == {
        (str(world.cheap.uuid), 2),
        (str(world.dear.uuid), 2),
    }
    cart = Cart.objects.get(uuid=body["id"])
    quote = cart_view(storefront=world.shop, cart=cart).quote
    assert body["quote"]["total"] == {"amount": quote.total_minor, "currency": "EUR"}
    assert body["quote"]["vat"]["amount"] == quote.vat_minor > 0
    assert body["quote"]["fingerprint"] == quote_fingerprint(quote)
    shipping = {group["seller"]: group["shipping"]["amount"] for group in body["quote"]["groups"]}
    assert shipping == {world.alice.display_name: 490, world.bob.display_name: 590}
    assert body["items"] == 4 and body["can_checkout"] is True
    removed = api.delete(f"/storefronts/{code}/cart/lines/{world.cheap.uuid}", headers=head).json()
    assert [line["offer_id"] for line in removed["lines"]] == [str(world.dear.uuid)]


def test_without_a_cart_or_with_a_foreign_token_there_is_no_cart(api: Api, world) -> None:
    code = world.shop.code
    assert api.get(f"/storefronts/{code}/cart").status_code == 404
    forged = api.client.get(f"/api/v1/storefronts/{code}/cart", headers={"X-Cart-Token": "gct_forged"})
    assert forged.status_code == 404 and forged.json()["error"]["field"] == "X-Cart-Token"
    # A token of another storefront's cart names nothing here.
    token = guest_cart(api, world.other.code)
    reply = api.client.get(f"/api/v1/storefronts/{code}/cart", headers={"X-Cart-Token": token})
    assert reply.status_code == 404


def test_another_guests_line_cannot_be_changed_without_their_token(api: Api, world) -> None:
    code = world.shop.code
    theirs = guest_cart(api, code)
    api.post(
        f"/storefronts/{code}/cart/lines",
        {"offer_id": str(world.cheap.uuid)},
        headers={"X-Cart-Token": theirs},
    )
    mine = guest_cart(api, code)
    reply = api.patch(
        f"/storefronts/{code}/cart/lines/{world.cheap.uuid}", {"quantity": 3}, headers={"X-Cart-Token": mine}
    )
    assert reply.status_code == 404
    assert CartLine.objects.get(offer=world.cheap).quantity == 1


def test_an_offer_the_storefront_does_not_sell_is_a_404_and_nothing_changes(api: Api, world) -> None:
    code = world.shop.code
    head = {"X-Cart-Token": guest_cart(api, code)}
    for offer in (world.hidden_offer, world.record_offer):  # seller not admitted; out of scope
        reply = api.post(f"/storefronts/{code}/cart/lines", {"offer_id": str(offer.uuid)}, headers=head)
        assert reply.status_code == 404
        assert reply.json()["error"]["field"] == "offer_id"
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offer_id": "nope"}, "offer_id"),
        ({"quantity": 1}, "offer_id"),
        ({"offer_id": None, "quantity": 0}, "offer_id"),
    ],
)
def test_bad_lines_are_a_422_naming_the_field(api: Api, world, body, field) -> None:
    head = {"X-Cart-Token": guest_cart(api, world.shop.code)}
    reply = api.post(f"/storefronts/{world.shop.code}/cart/lines", body, headers=head)
    assert reply.status_code == 422
    assert field in reply.json()["error"]["errors"]
    assert not CartLine.objects.exists()


def test_a_quantity_out_of_range_or_above_the_stock_is_refused(api: Api, world) -> None:
    code = world.shop.code
    head = {"X-Cart-Token": guest_cart(api, code)}
    zero = api.post(
        f"/storefronts/{code}/cart/lines", {"offer_id": str(world.cheap.uuid), "quantity": 0}, headers=head
    )
    assert zero.status_code == 422 and "quantity" in zero.json()["error"]["errors"]
    over = api.post(
        f"/storefronts/{code}/cart/lines", {"offer_id": str(world.cheap.uuid), "quantity": 4}, headers=head
    )
    assert over.status_code == 409 and over.json()["error"]["code"] == "not_enough_stock"
    assert not CartLine.objects.exists()


def test_a_customer_opening_a_cart_takes_the_guest_cart_in(client, world) -> None:
    code = world.shop.code
    guest = Api(client)
    token = guest_cart(guest, code)
    guest.post(
        f"/storefronts/{code}/cart/lines",
        {"offer_id": str(world.cheap.uuid)},
        headers={"X-Cart-Token": token},
    )
    customer = make_user()
    signed_in = Api(client, customer_token_make(customer))
    reply = signed_in.post(f"/storefronts/{code}/cart", headers={"X-Cart-Token": token})
    assert reply.status_code == 201
    body = reply.json()
    assert body["token"] is None
    assert [line["offer_id"] for line in body["lines"]] == [str(world.cheap.uuid)]
    assert Cart.objects.get(uuid=body["id"]).customer_id == customer.pk
    # Then the customer's credential names it, the token does not.
    assert signed_in.get(f"/storefronts/{code}/cart").json()["id"] == body["id"]
    assert (
        guest.client.get(f"/api/v1/storefronts/{code}/cart", headers={"X-Cart-Token": token}).status_code
        == 404
    )


def test_a_wrong_credential_is_a_401_not_a_guest(client, world) -> None:
    reply = Api(client, "glc_wrong").post(f"/storefronts/{world.shop.code}/cart")
    assert reply.status_code == 401
    assert not Cart.objects.exists()


def test_cart_open_merges_and_is_idempotent_for_a_customer(world) -> None:
    customer = make_user()
    guest, created = cart_open(storefront=world.shop)
    assert created and guest.customer_id is None
    own, created = cart_open(storefront=world.shop, customer=customer, guest_cart=guest)
    assert not created and own.pk == guest.pk and own.customer_id == customer.pk
    again, created = cart_open(storefront=world.shop, customer=customer)
    assert again.pk == own.pk and not created
    assert cart_open(storefront=world.shop, guest_cart=guest)[0].pk != guest.pk  # not a guest cart any more


def test_an_offer_is_sold_on_a_storefront_of_its_scope_only(world) -> None:
    from galerie.offers.selectors.sellable import offers_sold_on

    sold = set(offers_sold_on(world.shop).values_list("pk", flat=True))
    assert world.cheap.pk in sold
    assert world.record_offer.pk not in sold  # music
    assert world.hidden_offer.pk not in sold  # not admitted
    assert offers_sold_on(world.other).filter(pk=world.record_offer.pk).exists()
