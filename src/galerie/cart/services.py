"""Every write to carts: add, change, remove, merge at sign-in, acknowledge prices, clear."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from galerie.cart.errors import NotEnoughStock, OfferNotAvailable
from galerie.cart.models import MAX_QUANTITY, Cart, CartLine
from galerie.cart.selectors import cart_lines
from galerie.core.errors import InvalidInput
from galerie.offers.models import Offer
from galerie.offers.selectors import offers_sellable
from galerie.storefronts.models import Storefront


def _quantity(value: object) -> int:
    try:
        quantity = int(str(value).strip())
    except ValueError:
        raise InvalidInput({"quantity": [_("Type a whole number of items, e.g. 1.")]}) from None
    if not 0 <= quantity <= MAX_QUANTITY:
        raise InvalidInput({"quantity": [_("Choose between 0 and %(max)s items.") % {"max": MAX_QUANTITY}]})
    return quantity


def _sellable_offer(storefront: Storefront, offer_id: int | None, offer_uuid: uuid.UUID | None) -> Offer:
    sellable = offers_sellable(storefront)
    if offer_uuid is not None:
        sellable = sellable.filter(uuid=offer_uuid)
    else:
        sellable = sellable.filter(pk=offer_id or 0)
    offer = sellable.first()
    if offer is None:
        raise OfferNotAvailable(_("This offer is not available any more."), field="offer")
    return offer


@transaction.atomic
def cart_add(
    *,
    storefront: Storefront,
    cart: Cart | None,
    customer=None,
    offer_id: int | None = None,
    offer_uuid: uuid.UUID | None = None,
    quantity: object = 1,
) -> Cart:
    """Add ``quantity`` of an offer (by ``offer_id``, or by ``offer_uuid`` as a page names it)
    to the cart, creating the cart if there is none yet; raise OfferNotAvailable or
    NotEnoughStock and change nothing when it cannot be sold."""
    if (offer_id is None) == (offer_uuid is None):
        raise TypeError("cart_add() takes one of offer_id and offer_uuid")
    quantity = _quantity(quantity)
    if quantity < 1:
        raise InvalidInput({"quantity": [_("Add at least one item.")]})
    offer = _sellable_offer(storefront, offer_id, offer_uuid)
    if cart is None:
        owner = customer if customer is not None and customer.is_authenticated else None
        if owner is not None:
            cart, _created = Cart.objects.get_or_create(storefront=storefront, customer=owner)
        else:
            cart = Cart.objects.create(storefront=storefront)
    line = CartLine.objects.select_for_update().filter(cart=cart, offer=offer).first()
    wanted = quantity + (line.quantity if line else 0)
    if wanted > min(offer.stock, MAX_QUANTITY):
        raise NotEnoughStock(
            _("Only %(stock)s available from this seller.") % {"stock": min(offer.stock, MAX_QUANTITY)},
            field="quantity",
        )
    if line:
        line.quantity, line.price_seen_minor = wanted, offer.price_minor
        line.save(update_fields=["quantity", "price_seen_minor"])
    else:
        CartLine.objects.create(cart=cart, offer=offer, quantity=wanted, price_seen_minor=offer.price_minor)
    cart.save(update_fields=["updated_at"])
    return cart


@transaction.atomic
def cart_line_set_quantity(*, cart: Cart, offer_id: int, quantity: object) -> None:
    """Set a line's quantity; 0 removes it. Raise NotEnoughStock above the offer's stock."""
    quantity = _quantity(quantity)
    line = (
        CartLine.objects.select_for_update()
        .select_related("offer")
        .filter(cart=cart, offer_id=offer_id)
        .first()
    )
    if line is None:
        raise InvalidInput({"offer": [_("This item is not in your cart any more.")]})
    if quantity == 0:
        line.delete()
        return
    if quantity > line.offer.stock:
        raise NotEnoughStock(
            _("Only %(stock)s available from this seller.") % {"stock": line.offer.stock}, field="quantity"
        )
    line.quantity, line.price_seen_minor = quantity, line.offer.price_minor
    line.save(update_fields=["quantity", "price_seen_minor"])


@transaction.atomic(savepoint=False)  # one statement: no savepoint needed inside a checkout
def cart_acknowledge_prices(*, cart: Cart) -> None:
    """Record that the customer has seen the current prices (no more "price changed" notices)."""
    CartLine.objects.filter(cart=cart).exclude(price_seen_minor=F("offer__price_minor")).update(
        price_seen_minor=Subquery(Offer.objects.filter(pk=OuterRef("offer_id")).values("price_minor")[:1])
    )


@transaction.atomic
def cart_merge(*, storefront: Storefront, guest_cart: Cart | None, customer) -> Cart | None:
    """Move a guest cart's lines into the customer's cart at sign-in, adding quantities up to
    the stock; delete the guest cart. Return the customer's cart (None if neither exists)."""
    own = Cart.objects.filter(storefront=storefront, customer=customer).first()
    if guest_cart is None or guest_cart.customer_id is not None:
        return own
    if own is None:
        guest_cart.customer = customer
        guest_cart.save(update_fields=["customer", "updated_at"])
        return guest_cart
    existing = {line.offer_id: line for line in CartLine.objects.select_for_update().filter(cart=own)}
    for line in cart_lines(guest_cart):
        mine = existing.get(line.offer_id)
        if mine is None:
            line.cart = own
            line.save(update_fields=["cart"])
        else:
            mine.quantity = max(1, min(mine.quantity + line.quantity, line.offer.stock, MAX_QUANTITY))
            mine.save(update_fields=["quantity"])
    guest_cart.delete()
    return own


@transaction.atomic(savepoint=False)  # one statement: no savepoint needed inside a checkout
def cart_clear(*, cart_id: int) -> None:
    """Empty a cart (its order was placed)."""
    CartLine.objects.filter(cart_id=cart_id).delete()
