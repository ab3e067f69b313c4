"""What the sitemaps of a storefront list: its categories, and its listed products by id range.

The products are the storefront's search entries (docs/search.md): a product is in the sitemap
exactly when it is listed (published, in the storefront's scope, with a sellable offer there),
and a sitemap file is a range of the entries' (storefront, product) index, whatever the number
of offers.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from galerie.catalog.models import Category
from galerie.search.models import SearchEntry
from galerie.storefronts.models import Storefront

SITEMAP_ID_SPAN = 50_000  # product ids per sitemap file: never more than 50,000 URLs in one


def storefront_category_tree(storefront: Storefront) -> list[Category]:
    """Return every category of the storefront's scope, in tree order; two queries."""
    within = Q()
    for path in storefront.catalog_scope.values_list("path", flat=True):
        within |= Q(path__startswith=path)
    return list(Category.objects.filter(within).order_by("path"))


def storefront_product_id_range(storefront: Storefront) -> tuple[int, int] | None:
    """Return the lowest and highest id of the storefront's listed products; None if none is.

    Two reads of the ends of the (storefront, product) index."""
    entries = SearchEntry.objects.filter(storefront_id=storefront.pk).values_list("product_id", flat=True)
    low = entries.order_by("product_id").first()
    return None if low is None else (low, entries.order_by("-product_id").first() or low)


def storefront_sitemap_products(
    storefront: Storefront, *, id_from: int, id_to: int
) -> list[tuple[str, datetime]]:
    """Return (slug, updated_at) of the products the storefront lists with ``id_from <= id < id_to``,
    by id: an id range, so that no sitemap file needs an OFFSET. One query."""
    return list(
        SearchEntry.objects.filter(storefront_id=storefront.pk, product_id__gte=id_from, product_id__lt=id_to)
        .order_by("product_id")
        .values_list("product__slug", "product__updated_at")
    )
