"""Shipping cost of one seller's part of an order: a pure function of the profile and the lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# When a seller has set no profile: a flat rate, 2–4 days in transit.
DEFAULT_BASE_MINOR = 490
DEFAULT_TRANSIT = (2, 4)

# The fixed book price's delivery rules (docs/loi-lang.md), in euro cents, VAT included:
# loi 2014-779: delivery of new books is never free, and a reduction on them (at most 5 %) is
# taken only off the delivery charge; arrêté of 4 April 2023 (in force 7 October 2023): at
# least 3.00 € when the new books of the order total under 35.00 €.
LOI_LANG_CURRENCY = "EUR"
LOI_LANG_COUNTRY = "FR"
BOOK_DELIVERY_MINIMUM_MINOR = 300
BOOK_DELIVERY_MINIMUM_BELOW_MINOR = 3500
BOOK_DELIVERY_NEVER_FREE_MINOR = 1


def loi_lang_applies(*, currency: str, country: str) -> bool:
    """Return whether the fixed book price's delivery rules apply to a quote: in euros, to France
    (the storefront's currency decides at cart time, when the address is not known yet)."""
    return currency == LOI_LANG_CURRENCY and country == LOI_LANG_COUNTRY


def book_delivery_floor(new_books_minor: int) -> int:
    """Return the least delivery charge of an order whose new books total ``new_books_minor``."""
    if new_books_minor <= 0:
        return 0
    if new_books_minor < BOOK_DELIVERY_MINIMUM_BELOW_MINOR:
        return BOOK_DELIVERY_MINIMUM_MINOR
    return BOOK_DELIVERY_NEVER_FREE_MINOR


class ShippingTerms(Protocol):
    """What a rule is made of: a ShippingProfile row, or a lighter row with the same fields."""

    @property
    def kind(self) -> str: ...
    @property
    def base_minor(self) -> int: ...
    @property
    def per_item_minor(self) -> int: ...
    @property
    def free_above_minor(self) -> int | None: ...
    @property
    def transit_days_min(self) -> int: ...
    @property
    def transit_days_max(self) -> int: ...


@dataclass(frozen=True)
class ShippingRule:
    kind: str = "flat"
    base_minor: int = DEFAULT_BASE_MINOR
    per_item_minor: int = 0
    free_above_minor: int | None = None
    transit_days_min: int = DEFAULT_TRANSIT[0]
    transit_days_max: int = DEFAULT_TRANSIT[1]
    book_discount_bp: int = 0  # new books' reduction, taken off the delivery charge (≤ 500)

    @classmethod
    def of(cls, profile: ShippingTerms | None) -> ShippingRule:
        """The rule of a ShippingProfile row (or a row with its fields), or the default when
        there is none."""
        if profile is None:
            return cls()
        return cls(
            kind=profile.kind,
            base_minor=profile.base_minor,
            per_item_minor=profile.per_item_minor,
            free_above_minor=profile.free_above_minor,
            transit_days_min=profile.transit_days_min,
            transit_days_max=profile.transit_days_max,
            book_discount_bp=getattr(profile, "book_discount_bp", 0),
        )

    def cost(self, *, items_minor: int, quantity: int, new_books_minor: int = 0) -> int:
        """Return the shipping in minor units for ``quantity`` items worth ``items_minor``.

        ``new_books_minor``: what the new books among them are worth, when the fixed book price
        applies (:func:`loi_lang_applies`). Then the free-above threshold does not apply, the
        seller's book reduction (``book_discount_bp`` of it, rounded down) comes off the charge,
        and the charge is at least :func:`book_delivery_floor`: 3.00 € under 35.00 €, else 0.01 €.
        """
        if quantity <= 0:
            return 0
        if new_books_minor > 0:
            reduction = new_books_minor * max(0, min(self.book_discount_bp, 500)) // 10_000
            return max(self._charge(quantity) - reduction, book_delivery_floor(new_books_minor))
        if self.free_above_minor is not None and items_minor >= self.free_above_minor:
            return 0
        return self._charge(quantity)

    def one_item(self, *, price_minor: int, new_book: bool) -> tuple[int, int | None]:
        """Return the shipping of one item at ``price_minor`` and the free-above threshold shown
        beside it (none for a new book under the fixed book price: ``new_book``)."""
        new_books = price_minor if new_book else 0
        shipping = self.cost(items_minor=price_minor, quantity=1, new_books_minor=new_books)
        return shipping, None if new_book else self.free_above_minor

    def _charge(self, quantity: int) -> int:
        if self.kind == "per_item":
            return self.base_minor + self.per_item_minor * (quantity - 1)
        return self.base_minor

    def delivery_days(self, lead_time_days: int) -> tuple[int, int]:
        """Working days from order to delivery: the seller's dispatch time plus the transit."""
        return lead_time_days + self.transit_days_min, lead_time_days + self.transit_days_max
