"""The demo's bookshop follows the loi Lang (docs/loi-lang.md): every book has its publisher's
price, new copies sell at it and are never reduced, second-hand copies at their own prices."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from galerie.catalog.models import Product
from galerie.offers.models import Condition, Offer
from galerie.seeding.generator import MarketplaceGenerator, Scale
from galerie.seeding.writer import BulkWriter
from galerie.sellers.models import ShippingProfile

pytestmark = pytest.mark.django_db


def test_the_demo_bookshop_sells_new_books_at_their_publishers_price():
    # Given the demo marketplace, small
    MarketplaceGenerator(scale=Scale(sellers=14, brands=40, offers=250, images=False), seed=5).run(
        BulkWriter(batch_size=97)
    )
    books = Product.objects.filter(product_type__is_book=True)
    # Then every book has a publisher's price in euros, and one edition (variant)
    assert books.exists() and not books.filter(publisher_price_minor__isnull=True).exists()
    assert set(books.values_list("publisher_price_currency", flat=True)) == {"EUR"}
    assert not books.annotate(n=Count("variants")).filter(n__gt=1).exists()
    # every new copy is at exactly that price, with one price in its history (never reduced)
    new = Offer.objects.filter(variant__product__in=books, condition=Condition.NEW)
    assert new.exists()
    assert not new.exclude(price_minor=F("variant__product__publisher_price_minor")).exists()
    assert not new.annotate(n=Count("price_history")).filter(n__gt=1).exists()
    # second-hand copies have their own prices
    used = Offer.objects.filter(variant__product__in=books).exclude(condition=Condition.NEW)
    assert used.exclude(price_minor=F("variant__product__publisher_price_minor")).exists()
    # no bookseller takes more than 5 % off delivery, and some take it
    discounts = set(ShippingProfile.objects.values_list("book_discount_bp", flat=True))
    assert max(discounts) == 500 and min(discounts) == 0
