"""The fixed book price on offers (loi 81-766, « loi Lang »): a new book sells at exactly its
publisher's price; used, like-new and refurbished copies (« occasion ») at any price.

The one check every door calls: ``offer_create`` and the price changes of
:mod:`galerie.offers.services`, and the offer file import's row checks (files and the API's bulk
updates). What a book is: :func:`galerie.catalog.books.is_book`.
"""

from __future__ import annotations

from galerie.catalog.books import is_book, new_book_price_problem, publisher_price
from galerie.catalog.models import Product
from galerie.core.money import Money
from galerie.offers.errors import BookPriceFixed
from galerie.offers.models import Condition


def is_new_book(*, product: Product, condition: str) -> bool:
    """Return whether an offer of ``product`` in ``condition`` falls under the fixed book price."""
    return condition == Condition.NEW and is_book(product.product_type)


def is_second_hand_book(*, product: Product, condition: str) -> bool:
    """Return whether an offer is a used, like-new or refurbished book: « occasion », free price."""
    return condition != Condition.NEW and is_book(product.product_type)


def book_price_problem(*, product: Product, condition: str, price: Money) -> str | None:
    """Return why ``price`` breaks the fixed book price for this product and condition, or None."""
    if not is_new_book(product=product, condition=condition):
        return None
    return new_book_price_problem(price=price, publisher=publisher_price(product))


def book_price_check(*, product: Product, condition: str, price: Money, field: str = "price") -> None:
    """Raise BookPriceFixed (on ``field``) when ``price`` breaks the fixed book price."""
    if (problem := book_price_problem(product=product, condition=condition, price=price)) is not None:
        raise BookPriceFixed({field: [problem]})


def product_of_variant(variant_id: int) -> Product:
    """Return the product of a variant with its type (what the check reads), in one query."""
    return Product.objects.select_related("product_type").get(variants=variant_id)
