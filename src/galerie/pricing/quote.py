"""Price a set of offers and quantities: lines, VAT, shipping per seller, totals.

One function serves the cart page and the order, so that what the customer is shown is
what they are charged. It reads nothing: the caller passes offers with their variant,
product type and seller's shipping profile already loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.crypto import salted_hmac

from galerie.catalog.tax import shipping_vat_parts, vat_included, vat_rate_bp
from galerie.offers.book_price import is_new_book
from galerie.offers.models import Offer
from galerie.pricing.shipping import ShippingRule, loi_lang_applies


@dataclass(frozen=True)
class QuoteLine:
    offer_id: int
    seller_id: int
    variant_id: int
    product_title: str
    variant_name: str
    condition: str
    seller_sku: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    tax_class: str
    vat_rate_bp: int
    vat_minor: int


@dataclass(frozen=True)
class ShippingVatPart:
    """The part of a seller's shipping charge taxed at one rate, and the VAT it contains."""

    vat_rate_bp: int
    shipping_minor: int
    vat_minor: int


@dataclass(frozen=True)
class QuoteGroup:
    seller_id: int
    lines: tuple[QuoteLine, ...]
    items_minor: int
    quantity: int
    shipping_minor: int
    vat_minor: int
    delivery_days: tuple[int, int]
    free_shipping_above_minor: int | None
    shipping_vat: tuple[ShippingVatPart, ...] = ()

    @property
    def total_minor(self) -> int:
        return self.items_minor + self.shipping_minor


@dataclass(frozen=True)
class Quote:
    currency: str
    groups: tuple[QuoteGroup, ...] = field(default_factory=tuple)

    @property
    def items_minor(self) -> int:
        return sum(g.items_minor for g in self.groups)

    @property
    def shipping_minor(self) -> int:
        return sum(g.shipping_minor for g in self.groups)

    @property
    def total_minor(self) -> int:
        return self.items_minor + self.shipping_minor

    @property
    def vat_minor(self) -> int:
        return sum(g.vat_minor for g in self.groups)

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "groups": [
                {
                    "seller_id": g.seller_id,
                    "items_minor": g.items_minor,
                    "quantity": g.quantity,
                    "vat_minor": g.vat_minor,
                    "free_shipping_above_minor": g.free_shipping_above_minor,
                    "shipping_minor": g.shipping_minor,
                    "shipping_vat": [part.__dict__ for part in g.shipping_vat],
                    "delivery_days": list(g.delivery_days),
                    "lines": [line.__dict__ for line in g.lines],
                }
                for g in self.groups
            ],
            "total_minor": self.total_minor,
        }


GROUP_FIELDS = (
    "seller_id",
    "items_minor",
    "quantity",
    "vat_minor",
    "free_shipping_above_minor",
    "shipping_minor",
)


def quote_from_json(data: Mapping[str, Any]) -> Quote | None:
    """Return the quote ``Quote.as_json`` wrote, or None if the data lacks a figure (written
    before the JSON kept every figure of a group)."""
    try:
        return Quote(
            currency=data["currency"],
            groups=tuple(
                QuoteGroup(
                    **{name: group[name] for name in GROUP_FIELDS},
                    lines=tuple(QuoteLine(**line) for line in group["lines"]),
                    delivery_days=(group["delivery_days"][0], group["delivery_days"][1]),
                    shipping_vat=tuple(ShippingVatPart(**part) for part in group["shipping_vat"]),
                )
                for group in data["groups"]
            ),
        )
    except (KeyError, TypeError, IndexError):
        return None


def quote_build(
    *,
    currency: str,
    entries: Iterable[tuple[Offer, int]],
    country: str = "FR",
    shipping_by_seller: Mapping[int, int] | None = None,
    unit_prices: Mapping[int, int] | None = None,
) -> Quote:
    """Price ``(offer, quantity)`` pairs, grouped by seller in the order they first appear.

    ``shipping_by_seller`` fixes a seller's shipping charge and ``unit_prices`` (offer id → unit
    price in minor units) a line's unit price, to the ones a customer already agreed to, instead
    of the shipping profile's and the offer's current price. Neither changes the offers."""
    loi_lang = loi_lang_applies(currency=currency, country=country)
    by_seller: dict[int, list[tuple[Offer, int]]] = {}
    for offer, quantity in entries:
        by_seller.setdefault(offer.seller_id, []).append((offer, quantity))
    groups = []
    for seller_id, pairs in by_seller.items():
        lines = []
        for offer, quantity in pairs:
            tax_class = offer.variant.product.product_type.tax_class
            rate = vat_rate_bp(tax_class, country)
            unit_price = offer.price_minor
            if unit_prices is not None and offer.pk in unit_prices:
                unit_price = unit_prices[offer.pk]
            total = unit_price * quantity
            lines.append(
                QuoteLine(
                    offer_id=offer.pk,
                    seller_id=seller_id,
                    variant_id=offer.variant_id,
                    product_title=offer.variant.product.title,
                    variant_name=offer.variant.name,
                    condition=offer.condition,
                    seller_sku=offer.seller_sku,
                    quantity=quantity,
                    unit_price_minor=unit_price,
                    total_minor=total,
                    tax_class=tax_class,
                    vat_rate_bp=rate,
                    vat_minor=vat_included(total, rate),
                )
            )
        seller = pairs[0][0].seller
        rule = ShippingRule.of(getattr(seller, "shipping_profile", None))
        items = sum(line.total_minor for line in lines)
        quantity = sum(line.quantity for line in lines)
        # The fixed book price: the new books of the group decide the delivery's floor, and no
        # free delivery for them (docs/loi-lang.md).
        new_books = (
            sum(
                line.total_minor
                for line, (offer, _q) in zip(lines, pairs, strict=True)
                if is_new_book(product=offer.variant.product, condition=offer.condition)
            )
            if loi_lang
            else 0
        )
        shipping = rule.cost(items_minor=items, quantity=quantity, new_books_minor=new_books)
        if shipping_by_seller is not None and seller_id in shipping_by_seller:
            shipping = shipping_by_seller[seller_id]
        lead = max(offer.lead_time_days for offer, _ in pairs)
        # Delivery charged with the goods follows their VAT rate, pro rata when rates mix
        # (docs/vat-on-shipping.md).
        shipping_vat = tuple(
            ShippingVatPart(vat_rate_bp=rate, shipping_minor=part, vat_minor=vat)
            for rate, part, vat in shipping_vat_parts(
                shipping_minor=shipping,
                lines=[(line.vat_rate_bp, line.total_minor) for line in lines],
            )
        )
        groups.append(
            QuoteGroup(
                seller_id=seller_id,
                lines=tuple(lines),
                items_minor=items,
                quantity=quantity,
                shipping_minor=shipping,
                vat_minor=sum(line.vat_minor for line in lines) + sum(p.vat_minor for p in shipping_vat),
                delivery_days=rule.delivery_days(lead),
                free_shipping_above_minor=None if new_books else rule.free_above_minor,
                shipping_vat=shipping_vat,
            )
        )
    return Quote(currency=currency, groups=tuple(groups))


# --- What the customer was shown (docs/checkout-price-changes.md) ------------------------------

_SHOWN_SALT = "galerie.pricing.quote-shown"


def quote_snapshot(quote: Quote) -> dict[str, Any]:
    """Return what a customer agrees to pay: each line's offer, quantity and unit price, each
    seller's shipping, the VAT and the total, in a canonical order (JSON-ready)."""
    return {
        "currency": quote.currency,
        "total": quote.total_minor,
        "vat": quote.vat_minor,
        "groups": sorted(
            [
                group.seller_id,
                group.shipping_minor,
                sorted([line.offer_id, line.quantity, line.unit_price_minor] for line in group.lines),
            ]
            for group in quote.groups
        ),
    }


def quote_fingerprint(quote: Quote) -> str:
    """Return a short keyed digest of the quote's snapshot: equal iff the customer would pay the
    same lines at the same prices, shipping and total. Only the server can compute it."""
    canonical = json.dumps(quote_snapshot(quote), separators=(",", ":"), sort_keys=True)
    return salted_hmac("galerie.pricing.quote-fingerprint", canonical).hexdigest()[:32]


def quote_shown_token(quote: Quote) -> str:
    """Return the quote's snapshot signed for a hidden field, so that a later submit can say
    what changed since the page was shown (the server never takes money from it)."""
    return signing.dumps(quote_snapshot(quote), salt=_SHOWN_SALT, compress=True)


def quote_shown_read(token: str) -> dict[str, Any] | None:
    """Return the snapshot a page was shown with, or None if the token is missing or altered."""
    try:
        shown = signing.loads(token or "", salt=_SHOWN_SALT)
    except signing.BadSignature:
        return None
    return shown if isinstance(shown, dict) and {"currency", "total", "groups"} <= set(shown) else None


@dataclass(frozen=True)
class QuoteChange:
    """One difference between the quote a customer was shown and the quote now.

    ``kind``: price, quantity, added, removed (a line, ``offer_id``), shipping (``seller_id``)
    or vat; ``before``/``after`` are minor units (a count for quantity, None when absent).
    """

    kind: str
    offer_id: int | None = None
    seller_id: int | None = None
    before: int | None = None
    after: int | None = None
    subject: str = ""  # the product title or the shop name, filled in for display


def quote_changes(*, shown: dict[str, Any], quote: Quote) -> list[QuoteChange]:
    """List what differs between a shown snapshot and the quote now, line by line then shipping."""
    now = quote_snapshot(quote)

    def lines(snapshot: dict[str, Any]) -> dict[int, tuple[int, int]]:
        rows = (row for _seller, _shipping, group_rows in snapshot["groups"] for row in group_rows)
        return {offer: (qty, unit) for offer, qty, unit in rows}

    def shipping(snapshot: dict[str, Any]) -> dict[int, int]:
        return {seller: ship for seller, ship, _rows in snapshot["groups"]}

    before, after = lines(shown), lines(now)
    changes: list[QuoteChange] = []
    for offer_id in sorted(before.keys() | after.keys()):
        was, is_ = before.get(offer_id), after.get(offer_id)
        if was is None and is_ is not None:
            changes.append(QuoteChange("added", offer_id=offer_id, after=is_[0]))
        elif is_ is None and was is not None:
            changes.append(QuoteChange("removed", offer_id=offer_id, before=was[0]))
        elif was is not None and is_ is not None:
            if was[1] != is_[1]:
                changes.append(QuoteChange("price", offer_id=offer_id, before=was[1], after=is_[1]))
            if was[0] != is_[0]:
                changes.append(QuoteChange("quantity", offer_id=offer_id, before=was[0], after=is_[0]))
    ship_before, ship_after = shipping(shown), shipping(now)
    for seller_id in sorted(ship_before.keys() | ship_after.keys()):
        was_ship, is_ship = ship_before.get(seller_id, 0), ship_after.get(seller_id, 0)
        if was_ship != is_ship:
            changes.append(QuoteChange("shipping", seller_id=seller_id, before=was_ship, after=is_ship))
    if not changes and shown.get("vat") != now["vat"]:
        changes.append(QuoteChange("vat", before=shown.get("vat"), after=now["vat"]))
    return changes
