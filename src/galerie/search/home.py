"""A storefront's home page blocks, read from its search index: the newest products, the best
deals, the featured categories with their product counts.

"New in" is a range of the entries' newest index; "best deals" a range of their deal index
(the reduction of each entry's best offer is computed when the entry is indexed, with the
date it ends: docs/search.md); the featured categories' counts rows of the count table the
indexer keeps (search.counts), their pictures the heads of the category index's ranges.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from galerie.catalog.models import Category, ProductImage
from galerie.core.caching import cache_bypassed
from galerie.search.cards import ProductCard, card_of_row, entry_rows
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_top_categories

FEATURED_CACHE_SECONDS = 600
PICTURE_CANDIDATES = 20  # per category: its newest products, one of which shows its picture


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

    Cached for ten minutes: two queries when cold, none when warm (plus the two of
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
    """Each category's listed products (its scope's "all" count in the count table, kept by the
    indexer: search.counts) and the first picture of its subtree's newest listed product that
    has one. Two queries: the counts and product ids, then the images."""
    ids = ",".join(str(int(c.pk)) for c in categories)
    # Per category: its count, and the newest listed product of its subtree with a picture —
    # per category of the subtree, among the first rows of its (storefront, category, -product)
    # index range (PICTURE_CANDIDATES: bounded, even where the newest products have none).
    sql = f"""
        SELECT top.id,
            (SELECT c.n FROM search_searchcount c JOIN search_searchvalue sv ON sv.id = c.scope
             WHERE c.storefront_id = %s AND sv.name = 'category' AND sv.value = top.slug AND c.name = 'all'),
            (SELECT MAX((SELECT MAX(h.product_id) FROM (
                            SELECT e.product_id FROM search_searchentry e
                            WHERE e.storefront_id = %s AND e.category_id = sub.id
                            ORDER BY e.product_id DESC LIMIT {PICTURE_CANDIDATES}) h
                         WHERE EXISTS (SELECT 1 FROM catalog_productimage i
                                       WHERE i.product_id = h.product_id)))
             FROM catalog_category sub WHERE sub.path LIKE top.path || '%%')
        FROM catalog_category top WHERE top.id IN ({ids})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [storefront.pk, storefront.pk])
        rows = {pk: (n or 0, product_id) for pk, n, product_id in cursor.fetchall()}
    first: dict[int, ProductImage] = {}
    products = {product_id for _n, product_id in rows.values() if product_id is not None}
    images = ProductImage.objects.filter(product_id__in=products).order_by("product_id", "position", "id")
    for found in images:
        first.setdefault(found.product_id, found)
    data = {}
    for category in categories:
        n, product_id = rows.get(category.pk, (0, None))
        image = first.get(product_id) if product_id is not None else None
        url = (image.thumbnail or image.image).url if image is not None else ""
        data[category.pk] = (n, url)
    return data
