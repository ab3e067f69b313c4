"""The home page of a storefront: its departments, its featured categories and its deals.

The featured categories' counts and pictures and the deal candidates scan the catalog or the
price history, so they are cached for ``FEATURED_CACHE_SECONDS``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from galerie.catalog.models import Category, Product, ProductImage
from galerie.core.caching import cache_bypassed, cached
from galerie.offers.models import Offer, PriceHistory
from galerie.offers.pricing import REFERENCE_PERIOD
from galerie.offers.selectors.listing import _attach_first_images
from galerie.offers.selectors.sellable import (
    BUY_BOX_ORDER,
    CONDITION_ORDER,
    _offers_live,
    _sellers_admitted,
    prior_prices,
)
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter, storefront_top_categories

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Ranked(TypedDict):
        condition_rank: Any
        product_id: Any

    # An offer of storefront_deals' query, with the product id it annotates (Any, as the stubs'
    # plugin types annotate()'s values).
    _RankedOffer = WithAnnotations[Offer, _Ranked]

FEATURED_CACHE_SECONDS = 600
DEAL_CANDIDATES = 120


def storefront_departments(storefront: Storefront) -> list[Category]:
    """Return the roots of the storefront's catalog scope (every root when it has none); one query."""
    return list(storefront.catalog_scope.order_by("path")) or list(
        Category.objects.filter(depth=1).order_by("path")
    )


def storefront_featured_categories(storefront: Storefront) -> list[Category]:
    """Return the storefront's top categories, each with ``product_count`` (published products in
    its subtree) and ``picture_url`` (a recent product picture, or "").

    The counts and pictures scan the catalog, so they are cached for ten minutes: three queries
    when cold, none when warm (plus the two of ``storefront_top_categories``).
    """
    categories = storefront_top_categories(storefront)
    if not categories:
        return []
    key = f"featured-categories:{storefront.pk}:" + ",".join(str(c.pk) for c in categories)
    data = cached(key, lambda: _featured_category_data(categories), FEATURED_CACHE_SECONDS)
    for category in categories:
        category.product_count, category.picture_url = data.get(category.pk, (0, ""))
    return categories


def _featured_category_data(categories: list[Category]) -> dict[int, tuple[int, str]]:
    below = Q()
    for category in categories:
        below |= Q(category__path__startswith=category.path)
    per_category = (
        Product.objects.filter(below, status=Product.Status.PUBLISHED)
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


def storefront_deals(storefront: Storefront, *, limit: int = 8, now: datetime | None = None) -> list[Product]:
    """Return products whose best offer shows a genuine reduction (Omnibus rule), largest first.

    Each product carries ``best_price_minor``, ``prior_minor``, ``offer_count`` and
    ``first_image``. Finding recent reductions scans the price history, so the candidate
    products are cached for ten minutes; the prices shown are always read fresh. At most eight
    queries, whatever the number of offers.
    """
    now = now or timezone.now()
    key = f"deal-candidates:{storefront.pk}"
    candidates = None if cache_bypassed() else cache.get(key)
    seller_ids = None
    if candidates is None:
        seller_ids = sorted(_sellers_admitted(storefront).values())
        candidates = _deal_candidates(storefront, now, seller_ids)
        if not cache_bypassed():
            cache.set(key, candidates, FEATURED_CACHE_SECONDS)
    if not candidates:
        return []
    if seller_ids is None:
        seller_ids = sorted(_sellers_admitted(storefront).values())
    offers = (
        _offers_live(storefront)
        .filter(
            seller_id__in=seller_ids,
            variant__product_id__in=candidates,
            variant__product__status=Product.Status.PUBLISHED,
        )
        .annotate(condition_rank=CONDITION_ORDER, product_id=F("variant__product_id"))
        .order_by("product_id", *BUY_BOX_ORDER)
    )
    best: dict[int, _RankedOffer] = {}
    offer_count: dict[int, int] = defaultdict(int)
    for offer in offers:
        best.setdefault(offer.product_id, offer)
        offer_count[offer.product_id] += 1
    priors = prior_prices((offer.pk for offer in best.values()), now=now)
    reduced = sorted(
        (offer for offer in best.values() if offer.pk in priors),
        key=lambda o: (o.price_minor / priors[o.pk], -o.product_id),
    )[:limit]
    found = (
        Product.objects.filter(storefront_scope_filter(storefront), status=Product.Status.PUBLISHED)
        .select_related("brand", "category")
        .in_bulk([offer.product_id for offer in reduced])
    )
    products = []
    for offer in reduced:
        if (product := found.get(offer.product_id)) is not None:
            # Display values for the template, set on the rows: not fields of Product.
            product.best_price_minor = offer.price_minor  # type: ignore[attr-defined]
            product.prior_minor = priors[offer.pk]  # type: ignore[attr-defined]
            product.offer_count = offer_count[offer.product_id]  # type: ignore[attr-defined]
            products.append(product)
    _attach_first_images(products)
    return products


def _deal_candidates(storefront: Storefront, now: datetime, seller_ids: list[int]) -> list[int]:
    """Return ids of products with an offer whose current price was set in the last 30 days,
    below an earlier price; the exact rule is applied to them afterwards."""
    higher_before = PriceHistory.objects.filter(
        offer_id=OuterRef("offer_id"),
        valid_from__lt=OuterRef("valid_from"),
        price_minor__gt=OuterRef("price_minor"),
    )
    rows = (
        PriceHistory.objects.filter(
            Exists(higher_before),
            offer__in=_offers_live(storefront).filter(seller_id__in=seller_ids),
            offer__variant__product__status=Product.Status.PUBLISHED,
            valid_from__gt=now - REFERENCE_PERIOD,
            valid_from__lte=now,
            price_minor=F("offer__price_minor"),
        )
        .filter(storefront_scope_filter(storefront, prefix="offer__variant__product__"))
        .order_by("-valid_from", "-id")
        .values_list("offer__variant__product_id", flat=True)[:DEAL_CANDIDATES]
    )
    return list(dict.fromkeys(rows))
