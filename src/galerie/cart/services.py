"""Every write to carts: add, change, remove, merge at sign-in, acknowledge prices, clear."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.cart.errors import NotEnoughStock, OfferNotAvailable
from galerie.cart.models import MAX_QUANTITY, Cart, CartLine
from galerie.cart.selectors import cart_lines
from galerie.core.errors import InvalidInput
from galerie.offers.models import Offer
from galerie.offers.selectors.sellable import offers_sold_on
from galerie.storefronts.closure import storefront_sells_check
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
    # What the product pages show: an offer id typed into a request cannot buy outside them.
    sellable = offers_sold_on(storefront)
    if offer_uuid is not None:
        sellable = sellable.filter(uuid=offer_uuid)
    else:
        sellable = sellable.filter(pk=offer_id or 0)
    offer = sellable.first()
    if offer is None:
        raise OfferNotAvailable(_("This offer is not available any more."), field="offer")
    return offer


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
    added, _count = cart_add_counted(
        storefront=storefront,
        cart=cart,
        customer=customer,
        offer_id=offer_id,
        offer_uuid=offer_uuid,
        quantity=quantity,
    )
    return added


# The line is added, or its quantity raised, in one statement that also refuses to go past
# the limit (the line stays as it was: no row comes back). Both databases have ON CONFLICT
# with a WHERE on the update and RETURNING (SQLite since 3.35).
_LINE_UPSERT = (
    "INSERT INTO cart_cartline (cart_id, offer_id, quantity, price_seen_minor, added_at)"
    " VALUES (%s, %s, %s, %s, %s)"
    " ON CONFLICT (cart_id, offer_id) DO UPDATE SET"
    " quantity = cart_cartline.quantity + excluded.quantity, price_seen_minor = excluded.price_seen_minor"
    " WHERE cart_cartline.quantity + excluded.quantity <= %s"
    " RETURNING quantity"
)
# The cart is touched and its item count read back in the same statement.
_CART_TOUCH_COUNT = (
    "UPDATE cart_cart SET updated_at = %s WHERE id = %s"
    " RETURNING (SELECT COALESCE(SUM(quantity), 0) FROM cart_cartline WHERE cart_id = %s)"
)


@transaction.atomic
def cart_add_counted(
    *,
    storefront: Storefront,
    cart: Cart | None,
    customer=None,
    offer_id: int | None = None,
    offer_uuid: uuid.UUID | None = None,
    quantity: object = 1,
) -> tuple[Cart, int]:
    """``cart_add``, returning the cart and the number of items now in it.

    The line's quantity never passes the offer's stock nor MAX_QUANTITY, even when two
    additions race: the limit is checked by the statement that raises it. Raises
    StorefrontNotSelling (in the storefront's language) from its closing date on."""
    if (offer_id is None) == (offer_uuid is None):
        raise TypeError("cart_add() takes one of offer_id and offer_uuid")
    storefront_sells_check(storefront)
    quantity = _quantity(quantity)
    if quantity < 1:
        raise InvalidInput({"quantity": [_("Add at least one item.")]})
    offer = _sellable_offer(storefront, offer_id, offer_uuid)
    limit = min(offer.stock, MAX_QUANTITY)
    if quantity > limit:
        raise _not_enough(limit)
    if cart is None:
        owner = customer if customer is not None and customer.is_authenticated else None
        if owner is not None:
            cart, _created = Cart.objects.get_or_create(storefront=storefront, customer=owner)
        else:
            cart = Cart.objects.create(storefront=storefront)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_LINE_UPSERT, [cart.pk, offer.pk, quantity, offer.price_minor, stamp, limit])
        if cursor.fetchone() is None:
            raise _not_enough(limit)  # the line already holds too many: unchanged
        cursor.execute(_CART_TOUCH_COUNT, [stamp, cart.pk, cart.pk])
        (count,) = cursor.fetchone()
    cart.updated_at = now
    return cart, int(count)


def _not_enough(limit: int) -> NotEnoughStock:
    return NotEnoughStock(
        _("Only %(stock)s available from this seller.") % {"stock": limit}, field="quantity"
    )


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


@transaction.atomic
def cart_open(*, storefront: Storefront, customer=None, guest_cart: Cart | None = None) -> tuple[Cart, bool]:
    """Return the cart a headless storefront works on, and whether it was created: a signed-in
    customer's own cart (a guest cart named alongside is merged into it, as at sign-in), or a
    guest's cart (``guest_cart`` if given, else a new one). Raise StorefrontNotSelling from the
    storefront's closing date on."""
    storefront_sells_check(storefront)
    if customer is not None and customer.is_authenticated:
        merged = cart_merge(storefront=storefront, guest_cart=guest_cart, customer=customer)
        if merged is not None:
            return merged, False
        cart, created = Cart.objects.get_or_create(storefront=storefront, customer=customer)
        return cart, created
    if guest_cart is not None and guest_cart.customer_id is None:
        return guest_cart, False
    return Cart.objects.create(storefront=storefront), True


def carts_guest_purge(*, before: datetime, batch: int = 5000) -> int:
    """Delete the guest carts (no customer) untouched since ``before``, with their lines; return
    how many. A guest cart lives in one browser's session: past that, nobody can reach it."""
    stale = list(
        Cart.objects.filter(customer__isnull=True, updated_at__lt=before).values_list("pk", flat=True)[:batch]
    )
    if not stale:
        return 0
    CartLine.objects.filter(cart_id__in=stale).delete()
    return Cart.objects.filter(pk__in=stale).delete()[1].get("cart.Cart", 0)
