"""A storefront's home page blocks, read from its search index: the newest products, the best
deals, the featured categories with their product counts.

"New in" is a range of the entries' newest index; "best deals" a range of their deal index
(the reduction of each entry's best offer is computed when the entry is indexed, with the
date it ends: docs/search.md); the featured categories' counts one GROUP BY over the
storefront's entries per category, cached like the pictures.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from galerie.catalog.models import Category, Product, ProductImage
from galerie.core.caching import cache_bypassed
from galerie.search.cards import ProductCard, card_of_row, entry_rows
from galerie.search.models import SearchEntry
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_top_categories

FEATURED_CACHE_SECONDS = 600


def home_newest(storefront: Storefront, *, limit: int = 10) -> list[ProductCard]:
    """Return the storefront's newest listed products, each with ``best_price_minor`` (shipping
    included), ``offer_count`` and ``first_image``; one query."""
    rows = entry_rows(
        "SELECT e.product_id, e.best_price_minor, e.offer_count, {card_columns} FROM {entries} e {card_joins}"
        " WHERE e.storefront_id = %s ORDER BY e.product_id DESC LIMIT %s",
        [storefront.pk, limit],
    )
    return [card_of_row(row) for row in rows]


def home_deals(storefront: Storefront, *, limit: int = 8, now: datetime | None = None) -> list[ProductCard]:
    """Return products whose best offer shows a genuine reduction (Omnibus rule), largest first.

    Each product carries ``best_price_minor`` (the offer's price, as the reduction is of the
    item's price), ``prior_minor``, ``offer_count`` and ``first_image``. One query.
    """
    now = now or timezone.now()
    rows = entry_rows(
        "SELECT e.product_id, e.deal_price_minor, e.offer_count, e.deal_prior_minor, {card_columns}"
        " FROM {entries} e {card_joins}"
        " WHERE e.storefront_id = %s AND e.deal_rank IS NOT NULL AND e.deal_until > %s"
        " ORDER BY e.deal_rank, e.product_id DESC LIMIT %s",
        [storefront.pk, connection.ops.adapt_datetimefield_value(now), limit],
    )
    return [card_of_row(row) for row in rows]


def home_featured_categories(storefront: Storefront) -> list[Category]:
    """Return the storefront's top categories, each with ``product_count`` (its listed products,
    subtree included) and ``picture_url`` (a recent product picture, or "").

    Cached for ten minutes: three queries when cold, none when warm (plus the two of
    ``storefront_top_categories``).
    """
    categories = storefront_top_categories(storefront)
    if not categories:
        return []
    key = f"featured-categories:{storefront.pk}:" + ",".join(str(c.pk) for c in categories)
    cached = None if cache_bypassed() else cache.get(key)
    if cached is None:
        cached = _featured_category_data(storefront, categories)
        if not cache_bypassed():
            cache.set(key, cached, FEATURED_CACHE_SECONDS)
    for category in categories:
        category.product_count, category.picture_url = cached.get(category.pk, (0, ""))
    return categories


def _featured_category_data(storefront: Storefront, categories: list[Category]) -> dict[int, tuple[int, str]]:
    per_category = (
        SearchEntry.objects.filter(storefront_id=storefront.pk)
        .order_by()
        .values_list("category__path")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys((c.pk for c in categories), 0)
    for path, n in per_category:
        for category in categories:
            if path.startswith(category.path):
                counts[category.pk] += n
    newest_image = (
        ProductImage.objects.filter(
            product__category__path__startswith=OuterRef("path"), product__status=Product.Status.PUBLISHED
        )
        .order_by("-product_id", "position", "id")
        .values("pk")[:1]
    )
    image_of = dict(
        Category.objects.filter(pk__in=counts)
        .annotate(image_id=Subquery(newest_image))
        .values_list("pk", "image_id")
    )
    images = ProductImage.objects.in_bulk([i for i in image_of.values() if i is not None])
    data = {}
    for category in categories:
        image = images.get(image_of.get(category.pk))
        url = (image.thumbnail or image.image).url if image is not None else ""
        data[category.pk] = (counts[category.pk], url)
    return data
