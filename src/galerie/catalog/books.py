"""Books under the French fixed book price (loi 81-766 du 10 août 1981, « loi Lang »).

One definition of a book: a product whose type is marked ``is_book`` (the operator marks the
type; the demo's "livre"). Not the tax class: the reduced rates cover food, press and more, and
a type's code is a name, not a rule. A new book's price is its publisher's price
(``Product.publisher_price_minor``); the offers app enforces it, the pricing app the delivery
rules of the loi 2014-779 (docs/loi-lang.md).
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from galerie.catalog.models import Product, ProductType
from galerie.core.money import Money, format_minor


def is_book(product_type: ProductType) -> bool:
    """Return whether products of this type are books under the fixed book price."""
    return bool(product_type.is_book)


def publisher_price(product: Product) -> Money | None:
    """Return the product's publisher's price, or None when it has none."""
    if product.publisher_price_minor is None or not product.publisher_price_currency:
        return None
    return Money(product.publisher_price_minor, product.publisher_price_currency)


def money_text(amount_minor: int, currency: str) -> str:
    """Return an amount as the current language writes it ("19,90 €" in French)."""
    return format_minor(amount_minor, currency, (get_language() or "en").split("-")[0])


def new_book_price_problem(*, price: Money, publisher: Money | None) -> str | None:
    """Return why ``price`` cannot be a new book's price (publisher's price ``publisher``), or None.

    The message names the rule and the publisher's price; a book without one cannot be sold new.
    """
    if publisher is None:
        return _(
            "Loi Lang: a new book sells at its publisher's price, and this book has none yet:"
            " ask the operator to set it before offering it new."
        )
    if price.currency != publisher.currency or price.amount_minor != publisher.amount_minor:
        return _("Loi Lang: a new book sells at its publisher's price, %(price)s.") % {
            "price": money_text(publisher.amount_minor, publisher.currency)
        }
    return None


def publisher_price_problem(price: Money | None) -> str | None:
    """Return why ``price`` cannot be a publisher's price, or None (None itself is allowed)."""
    if price is not None and price.amount_minor <= 0:
        return _("The publisher's price must be more than zero.")
    return None
