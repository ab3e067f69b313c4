"""Reads of carts: find the customer's cart, and show it re-priced from the offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from galerie.cart.models import Cart, CartLine
from galerie.catalog.models import ProductImage
from galerie.offers.selectors import offers_sellable
from galerie.pricing.quote import Quote, QuoteGroup, quote_build
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


# The dates stay deferred (read if ever used): SQLite would hand them over as text.
_CART_COLUMNS = ("id", "uuid", "storefront_id", "customer_id")
_CART_SELECT = f"SELECT {', '.join(_CART_COLUMNS)} FROM cart_cart WHERE storefront_id = %s AND "


def _cart_row(sql: str, params: list[object]) -> Cart | None:
    """One plain statement for the cart every cart and checkout request reads first (the ORM's
    query building cost more than the query)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, key, storefront_id, customer_id = row
    key = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))  # SQLite: 32 hex digits
    return Cart.from_db(connection.alias, _CART_COLUMNS, (pk, key, storefront_id, customer_id))


def cart_find(*, storefront: Storefront, customer=None, cart_uuid: str | None = None) -> Cart | None:
    """Return the signed-in customer's cart of this storefront, else the guest cart named by the
    session, else None. Never creates one (a GET does not write)."""
    if customer is not None and customer.is_authenticated:
        return _cart_row(_CART_SELECT + "customer_id = %s ORDER BY id LIMIT 1", [storefront.pk, customer.pk])
    if not cart_uuid:
        return None
    try:
        key = uuid.UUID(str(cart_uuid))
    except ValueError:
        return None
    return Cart.objects.filter(storefront=storefront, customer__isnull=True, uuid=key).first()


def cart_item_count(cart: Cart | None) -> int:
    """Return the number of items in the cart (the sum of its lines' quantities); one query."""
    if cart is None:
        return 0
    return sum(cart.lines.values_list("quantity", flat=True))


@dataclass
class CartLineView:
    line: CartLine
    available: bool
    stock: int
    notices: list[str] = field(default_factory=list)
    previous_price_minor: int | None = None


@dataclass
class CartGroup:
    seller: Seller
    lines: list[CartLineView]
    quote: QuoteGroup | None


@dataclass
class CartView:
    cart: Cart | None
    groups: list[CartGroup]
    quote: Quote
    notices: list[str]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def can_checkout(self) -> bool:
        return bool(self.quote.groups) and all(v.available for g in self.groups for v in g.lines)


def cart_lines(cart: Cart) -> list[CartLine]:
    """Return the cart's lines with everything pricing and display need, in one query."""
    return list(
        cart.lines.select_related(
            "offer__variant__product__product_type",
            "offer__variant__product__brand",
            "offer__seller__shipping_profile",
        ).order_by("id")
    )


def cart_view(*, storefront: Storefront, cart: Cart | None) -> CartView:
    """Return the cart grouped by seller and priced from the offers as they are now, with a
    notice for every line whose price or stock changed since the customer saw it.

    Four queries whatever the size of the cart.
    """
    if cart is None:
        return CartView(cart=None, groups=[], quote=Quote(currency=storefront.currency), notices=[])
    lines = cart_lines(cart)
    ids = [line.offer_id for line in lines]
    sellable = set(offers_sellable(storefront).filter(pk__in=ids).values_list("pk", flat=True))
    first_images: dict[int, ProductImage] = {}
    products = {line.offer.variant.product_id for line in lines}
    for image in ProductImage.objects.filter(product_id__in=products).order_by(
        "product_id", "position", "id"
    ):
        first_images.setdefault(image.product_id, image)
    views: dict[int, CartGroup] = {}
    priced: list[tuple] = []
    notices: list[str] = []
    for line in lines:
        offer = line.offer
        # A display value for the template, set on the row: not a field of Product.
        offer.variant.product.first_image = first_images.get(offer.variant.product_id)  # type: ignore[attr-defined]
        view = CartLineView(line=line, available=offer.pk in sellable, stock=offer.stock)
        title = offer.variant.product.title
        if not view.available:
            view.notices.append(_("This offer is no longer available: remove it to check out."))
            notices.append(_("“%(title)s” is no longer available.") % {"title": title})
        elif offer.stock < line.quantity:
            view.available = False
            view.notices.append(
                _("Only %(stock)s left: lower the quantity to check out.") % {"stock": offer.stock}
            )
            notices.append(_("Only %(stock)s left of “%(title)s”.") % {"stock": offer.stock, "title": title})
        if offer.price_minor != line.price_seen_minor:
            view.previous_price_minor = line.price_seen_minor
            if offer.price_minor < line.price_seen_minor:
                notices.append(
                    _("The price of “%(title)s” has dropped since you added it.") % {"title": title}
                )
            else:
                notices.append(
                    _("The price of “%(title)s” has gone up since you added it.") % {"title": title}
                )
        group = views.setdefault(offer.seller_id, CartGroup(seller=offer.seller, lines=[], quote=None))
        group.lines.append(view)
        if view.available:
            priced.append((offer, line.quantity))
    quote = quote_build(currency=storefront.currency, entries=priced)
    for quote_group in quote.groups:
        views[quote_group.seller_id].quote = quote_group
    return CartView(cart=cart, groups=list(views.values()), quote=quote, notices=notices)
