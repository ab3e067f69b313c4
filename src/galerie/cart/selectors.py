"""Reads of carts: find the customer's cart, and show it re-priced from the offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext as _

from galerie.cart.models import Cart, CartLine
from galerie.catalog.models import Brand, Product, ProductImage, ProductType, Variant
from galerie.offers.models import Offer
from galerie.offers.selectors.sellable import offers_sold_on
from galerie.pricing.quote import Quote, QuoteGroup, quote_build
from galerie.sellers.models import Seller, ShippingProfile
from galerie.storefronts.models import Storefront

# The dates stay deferred (read if ever used): SQLite would hand them over as text.
_CART_COLUMNS = ("id", "uuid", "storefront_id", "customer_id")
_CART_SELECT = f"SELECT {', '.join(_CART_COLUMNS)} FROM cart_cart WHERE storefront_id = %s AND "


def _cart_row(sql: str, params: list[Any]) -> Cart | None:
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


def _columns(model: type[Model], alias: str) -> tuple[list[str], list[tuple[int, list[Any], Any]]]:
    """The select list of a model's concrete columns under ``alias``, and the converters of the
    fields that have some (those the ORM applies: SQLite's datetimes and UUIDs, JSON, …)."""
    fields: list[Any] = list(model._meta.concrete_fields)
    select = [f'{alias}."{column.column}"' for column in fields]
    converters = []
    for index, column in enumerate(fields):
        col = column.get_col(alias)
        functions = connection.ops.get_db_converters(col) + column.get_db_converters(connection)
        if functions:
            converters.append((index, functions, col))
    return select, converters


def _build(
    model: type[Model], converters: list[tuple[int, list[Any], Any]], values: tuple[Any, ...]
) -> Model:
    row = list(values)
    for index, functions, col in converters:
        value = row[index]
        for function in functions:
            value = function(value, col, connection)
        row[index] = value
    # Every concrete field, in order: ``from_db`` then reads no field names.
    return model.from_db(connection.alias, (), row)


# The models of a cart line as pricing and the pages read them, in select order.
_LINE_MODELS: tuple[tuple[type[Model], str], ...] = (
    (CartLine, "l"),
    (Offer, "o"),
    (Variant, "v"),
    (Product, "p"),
    (ProductType, "pt"),
    (Brand, "b"),
    (Seller, "s"),
    (ShippingProfile, "sp"),
)


# Built once per process: one database per process, and its converters keep no per-connection
# state that matters here (SQLite's read the time zone setting only).
@cache
def _lines_query() -> tuple[str, list[tuple[int, int, list]]]:
    select: list[str] = []
    parts = []
    for model, alias in _LINE_MODELS:
        columns, converters = _columns(model, alias)
        parts.append((len(select), len(columns), converters))
        select += columns
    t = {model: model._meta.db_table for model, _alias in _LINE_MODELS}
    sql = (
        f"SELECT {', '.join(select)} FROM {t[CartLine]} l"
        f" JOIN {t[Offer]} o ON o.id = l.offer_id"
        f" JOIN {t[Variant]} v ON v.id = o.variant_id"
        f" JOIN {t[Product]} p ON p.id = v.product_id"
        f" JOIN {t[ProductType]} pt ON pt.id = p.product_type_id"
        f" LEFT JOIN {t[Brand]} b ON b.id = p.brand_id"
        f" JOIN {t[Seller]} s ON s.id = o.seller_id"
        f" LEFT JOIN {t[ShippingProfile]} sp ON sp.seller_id = s.id"
        " WHERE l.cart_id = %s ORDER BY l.id"
    )
    return sql, parts


def cart_lines(cart: Cart) -> list[CartLine]:
    """Return the cart's lines with everything pricing and display need (offer, variant,
    product with its type and brand, seller with its shipping profile), in one plain query:
    building the ORM's six-table select_related cost more CPU than running it."""
    sql, parts = _lines_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [cart.pk])
        rows = cursor.fetchall()
    lines: list[CartLine] = []
    for row in rows:
        line, offer, variant, product, product_type, brand, seller, profile = (
            _build(model, converters, row[start : start + size]) if row[start] is not None else None
            for (model, _alias), (start, size, converters) in zip(_LINE_MODELS, parts, strict=True)
        )
        assert line is not None and offer is not None and variant is not None and product is not None
        assert seller is not None  # inner joins: only the brand and the shipping profile may be missing
        CartLine.cart.field.set_cached_value(line, cart)
        CartLine.offer.field.set_cached_value(line, offer)
        Offer.variant.field.set_cached_value(offer, variant)
        Offer.seller.field.set_cached_value(offer, seller)
        Variant.product.field.set_cached_value(variant, product)
        Product.product_type.field.set_cached_value(product, product_type)
        Product.brand.field.set_cached_value(product, brand)
        Seller.shipping_profile.related.set_cached_value(seller, profile)
        if profile is not None:
            ShippingProfile.seller.field.set_cached_value(profile, seller)
        lines.append(cast(CartLine, line))
    return lines


def cart_view(*, storefront: Storefront, cart: Cart | None) -> CartView:
    """Return the cart grouped by seller and priced from the offers as they are now, with a
    notice for every line whose price or stock changed since the customer saw it.

    Four queries whatever the size of the cart.
    """
    if cart is None:
        return CartView(cart=None, groups=[], quote=Quote(currency=storefront.currency), notices=[])
    lines = cart_lines(cart)
    ids = [line.offer_id for line in lines]
    sellable = set(offers_sold_on(storefront).filter(pk__in=ids).values_list("pk", flat=True))
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


def cart_line_offer_id(*, cart: Cart, offer_uuid: uuid.UUID) -> int | None:
    """Return the id of the offer ``offer_uuid`` when a line of the cart holds it, else None."""
    return cart.lines.filter(offer__uuid=offer_uuid).values_list("offer_id", flat=True).first()
