"""On PostgreSQL, with real connections and threads: reviews of one product written at the same
moment all count in its summary (the summary row's lock), and one line reviewed twice at the
same moment keeps one review."""

from __future__ import annotations

import pytest
from django.db import connection

from galerie.core.errors import DomainError
from galerie.reviews.models import RatingSummary, Review
from galerie.reviews.services import review_create
from tests.notifications.test_worker_postgres import in_threads
from tests.reviews.conftest import delivered_orders

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _write(line, stars: int):
    try:
        return review_create(
            customer=line.seller_order.order.customer,
            order_line_id=line.pk,
            product_stars=stars,
            seller_stars=stars,
        )
    except DomainError as error:
        return error


def test_reviews_written_together_all_count(shop):
    lines = delivered_orders(shop, 4)
    results = in_threads(4, lambda i: _write(lines[i], i + 1))
    assert connection.vendor == "postgresql"
    assert all(isinstance(r, Review) for r in results), results
    product = RatingSummary.objects.get(
        storefront=shop.storefront, kind="product", subject_id=lines[0].variant.product_id
    )
    seller = RatingSummary.objects.get(storefront=shop.storefront, kind="seller", subject_id=shop.seller_a.pk)
    assert (product.count, product.stars_sum, product.average_centi) == (4, 10, 250)
    assert (seller.count, seller.stars_sum) == (4, 10)
    assert len(product.recent) == 4


def test_one_line_reviewed_twice_together_keeps_one(shop):
    (line,) = delivered_orders(shop, 1)
    results = in_threads(2, lambda i: _write(line, 5 - i))
    assert sorted(type(r).__name__ for r in results) == ["Review", "ReviewAlreadyWritten"]
    assert Review.objects.filter(order_line=line).count() == 1
    assert RatingSummary.objects.get(kind="product", subject_id=line.variant.product_id).count == 1
