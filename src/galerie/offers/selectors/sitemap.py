"""What the sitemaps of a storefront list: its categories, and its products by id range."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, Max, Min, OuterRef, Q

from galerie.catalog.models import Category, Product
from galerie.offers.selectors.sellable import _offers_live, _sellers_admitted
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter

SITEMAP_ID_SPAN = 50_000  # product ids per sitemap file: never more than 50,000 URLs in one


def storefront_category_tree(storefront: Storefront) -> list[Category]:
    """Return every category of the storefront's scope, in tree order; two queries."""
    within = Q()
    for path in storefront.catalog_scope.values_list("path", flat=True):
        within |= Q(path__startswith=path)
    return list(Category.objects.filter(within).order_by("path"))


def storefront_product_id_range(storefront: Storefront) -> tuple[int, int] | None:
    """Return the lowest and highest id of the published products of the storefront's scope."""
    bounds = Product.objects.filter(
        storefront_scope_filter(storefront), status=Product.Status.PUBLISHED
    ).aggregate(low=Min("pk"), high=Max("pk"))
    return None if bounds["low"] is None else (bounds["low"], bounds["high"])


def storefront_sitemap_products(
    storefront: Storefront, *, id_from: int, id_to: int
) -> list[tuple[str, datetime]]:
    """Return (slug, updated_at) of the products the storefront sells with ``id_from <= id < id_to``,
    by id: an id range, so that no sitemap file needs an OFFSET. Three queries."""
    seller_ids = sorted(_sellers_admitted(storefront).values())
    sellable = _offers_live(storefront).filter(seller_id__in=seller_ids, variant__product_id=OuterRef("pk"))
    return list(
        Product.objects.filter(
            storefront_scope_filter(storefront),
            Exists(sellable),
            status=Product.Status.PUBLISHED,
            pk__gte=id_from,
            pk__lt=id_to,
        )
        .order_by("pk")
        .values_list("slug", "updated_at")
    )
