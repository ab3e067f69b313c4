"""The cart of a headless storefront: a guest's (named by ``X-Cart-Token``) or a signed-in
customer's (named by their credential), priced by the same quote as the cart page."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from galerie.api.routers.storefront_common import (
    CART_HEADER,
    caller_cart,
    caller_user,
    cart_token,
    customer_or_guest,
    guest_cart,
    visible_storefront,
)
from galerie.api.schemas import Days, Money, money, replies
from galerie.cart.errors import OfferNotAvailable
from galerie.cart.models import MAX_QUANTITY, Cart
from galerie.cart.selectors import CartView, cart_line_offer_id, cart_view
from galerie.cart.services import cart_add, cart_line_set_quantity, cart_open
from galerie.core.errors import NotFound
from galerie.pricing.quote import quote_fingerprint, quote_shown_token
from galerie.storefronts.models import Storefront

router = Router(tags=["storefront"])


class CartLineOut(Schema):
    offer_id: uuid.UUID
    product: str = Field(description="The product's slug (product_id).")
    title: str
    variant: str
    seller: str = Field(description="The seller's name.")
    condition: str
    quantity: int
    unit_price: Money = Field(description="The offer's price now, VAT included.")
    previous_price: Money | None = Field(description="The price when added, if it changed since.")
    available: bool = Field(description="false: remove the line or lower its quantity to check out.")
    notices: list[str]


class QuoteLineOut(Schema):
    offer_id: uuid.UUID
    quantity: int
    unit_price: Money
    total: Money
    vat_rate_bp: int = Field(description="VAT rate in basis points: 2000 = 20 %.")
    vat: Money


class QuoteGroupOut(Schema):
    seller: str
    items: Money
    shipping: Money
    vat: Money
    total: Money
    delivery_days: Days
    free_shipping_above: Money | None
    lines: list[QuoteLineOut]


class QuoteOut(Schema):
    groups: list[QuoteGroupOut]
    items: Money
    shipping: Money
    vat: Money = Field(description="The VAT the total includes.")
    total: Money
    fingerprint: str = Field(description="Send it back as the checkout's quote_fingerprint.")
    shown: str = Field(description="Send it back as the checkout's quote_shown: it says what changed.")


class CartOut(Schema):
    id: uuid.UUID
    token: str | None = Field(description=f"A guest cart's {CART_HEADER}; null for a customer's cart.")
    items: int
    can_checkout: bool
    lines: list[CartLineOut]
    notices: list[str]
    quote: QuoteOut


def _cart_out(view: CartView, cart: Cart, currency: str) -> dict[str, Any]:
    uuids: dict[int, uuid.UUID] = {}
    names: dict[int, str] = {}
    lines = []
    for group in view.groups:
        names[group.seller.pk] = group.seller.display_name
        for row in group.lines:
            line, offer = row.line, row.line.offer
            uuids[offer.pk] = offer.uuid
            lines.append(
                {
                    "offer_id": offer.uuid,
                    "product": offer.variant.product.slug,
                    "title": offer.variant.product.title,
                    "variant": offer.variant.name,
                    "seller": group.seller.display_name,
                    "condition": offer.condition,
                    "quantity": line.quantity,
                    "unit_price": money(offer.price_minor, currency),
                    "previous_price": money(row.previous_price_minor, currency)
                    if row.previous_price_minor is not None
                    else None,
                    "available": row.available,
                    "notices": [str(n) for n in row.notices],
                }
            )
    quote = view.quote
    return {
        "id": cart.uuid,
        "token": cart_token(cart) if cart.customer_id is None else None,
        "items": sum(line["quantity"] for line in lines),
        "can_checkout": view.can_checkout,
        "lines": lines,
        "notices": [str(n) for n in view.notices],
        "quote": {
            "groups": [
                {
                    "seller": names.get(g.seller_id, ""),
                    "items": money(g.items_minor, currency),
                    "shipping": money(g.shipping_minor, currency),
                    "vat": money(g.vat_minor, currency),
                    "total": money(g.total_minor, currency),
                    "delivery_days": {"min": g.delivery_days[0], "max": g.delivery_days[1]},
                    "free_shipping_above": money(g.free_shipping_above_minor, currency)
                    if g.free_shipping_above_minor is not None
                    else None,
                    "lines": [
                        {
                            "offer_id": uuids[q.offer_id],
                            "quantity": q.quantity,
                            "unit_price": money(q.unit_price_minor, currency),
                            "total": money(q.total_minor, currency),
                            "vat_rate_bp": q.vat_rate_bp,
                            "vat": money(q.vat_minor, currency),
                        }
                        for q in g.lines
                    ],
                }
                for g in quote.groups
            ],
            "items": money(quote.items_minor, currency),
            "shipping": money(quote.shipping_minor, currency),
            "vat": money(quote.vat_minor, currency),
            "total": money(quote.total_minor, currency),
            "fingerprint": quote_fingerprint(quote),
            "shown": quote_shown_token(quote),
        },
    }


def _shown(storefront: Storefront, cart: Cart) -> dict[str, Any]:
    return _cart_out(cart_view(storefront=storefront, cart=cart), cart, storefront.currency)


def _mine(request: HttpRequest, storefront: Storefront) -> Cart:
    cart = caller_cart(request, storefront)
    if cart is None:
        raise NotFound("There is no cart yet: create one with POST …/cart.", code="cart_not_found")
    return cart


@router.post(
    "/{code}/cart",
    response=replies(CartOut, status=201),
    auth=customer_or_guest,
    summary="Open the caller's cart: a guest's new one (keep its token), or the customer's own "
    "(a guest cart named by X-Cart-Token is merged into it, as at sign-in)",
)
def cart_create(request: HttpRequest, code: str) -> Status[dict[str, Any]]:
    storefront = visible_storefront(code)
    cart, _created = cart_open(
        storefront=storefront, customer=caller_user(request), guest_cart=guest_cart(request, storefront)
    )
    return Status(201, _shown(storefront, cart))


@router.get(
    "/{code}/cart",
    response=replies(CartOut),
    auth=customer_or_guest,
    summary="The caller's cart, priced now: lines, shipping per seller, VAT, totals, quote fingerprint",
)
def cart_read(request: HttpRequest, code: str) -> dict[str, Any]:
    storefront = visible_storefront(code)
    return _shown(storefront, _mine(request, storefront))


class LineIn(Schema):
    offer_id: uuid.UUID = Field(description="An offer of the product read (its buy box or another).")
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)


class QuantityIn(Schema):
    quantity: int = Field(ge=0, le=MAX_QUANTITY, description="0 removes the line.")


@router.post(
    "/{code}/cart/lines",
    response=replies(CartOut, status=201),
    auth=customer_or_guest,
    summary="Add an offer to the caller's cart (to the quantity already there, within the stock)",
)
def line_add(request: HttpRequest, code: str, payload: LineIn) -> Status[dict[str, Any]]:
    storefront = visible_storefront(code)
    try:
        cart = cart_add(
            storefront=storefront,
            cart=caller_cart(request, storefront),  # none yet: this makes it
            customer=caller_user(request),
            offer_uuid=payload.offer_id,
            quantity=payload.quantity,
        )
    except OfferNotAvailable as error:  # not sold here, or not any more: no such offer for the caller
        raise NotFound(error.message, code="offer_not_found", field="offer_id") from None
    return Status(201, _shown(storefront, cart))


def _line_offer(cart: Cart, offer_id: uuid.UUID) -> int:
    found = cart_line_offer_id(cart=cart, offer_uuid=offer_id)
    if found is None:
        raise NotFound("This offer is not in the cart.", code="cart_line_not_found", field="offer_id")
    return found


@router.patch(
    "/{code}/cart/lines/{offer_id}",
    response=replies(CartOut),
    auth=customer_or_guest,
    summary="Set the quantity of a line (0 removes it)",
)
def line_update(request: HttpRequest, code: str, offer_id: uuid.UUID, payload: QuantityIn) -> dict[str, Any]:
    storefront = visible_storefront(code)
    cart = _mine(request, storefront)
    cart_line_set_quantity(cart=cart, offer_id=_line_offer(cart, offer_id), quantity=payload.quantity)
    return _shown(storefront, cart)


@router.delete(
    "/{code}/cart/lines/{offer_id}",
    response=replies(CartOut),
    auth=customer_or_guest,
    summary="Remove a line from the cart",
)
def line_remove(request: HttpRequest, code: str, offer_id: uuid.UUID) -> dict[str, Any]:
    storefront = visible_storefront(code)
    cart = _mine(request, storefront)
    cart_line_set_quantity(cart=cart, offer_id=_line_offer(cart, offer_id), quantity=0)
    return _shown(storefront, cart)
