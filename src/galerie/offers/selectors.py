"""Reads of offers: what a storefront may sell, the buy box, prior prices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from galerie.catalog.errors import CategoryNotFound, ProductNotFound
from galerie.catalog.models import Category, Product, ProductImage
from galerie.offers.models import CONDITION_RANK, Offer, PriceHistory
from galerie.offers.pricing import REFERENCE_PERIOD, prior_price
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter

CONDITION_ORDER = Case(
    *(When(Q(condition=condition), then=Value(rank)) for condition, rank in CONDITION_RANK.items()),
    default=Value(len(CONDITION_RANK)),
    output_field=IntegerField(),
)

# The buy-box rule (docs/buy-box.md): cheapest, then better condition, then faster dispatch,
# then the older offer. Shipping joins the first key once shipping profiles exist.
BUY_BOX_ORDER = ("price_minor", "condition_rank", "lead_time_days", "id")


def offers_sellable(storefront: Storefront) -> QuerySet[Offer]:
    """Return the offers a storefront may sell now: active, in stock, in its currency, from an
    active seller admitted to it."""
    admitted = SellerAdmission.objects.filter(
        seller_id=OuterRef("seller_id"), storefront_id=storefront.pk, status=SellerAdmission.Status.ADMITTED
    )
    return Offer.objects.filter(
        Exists(admitted),
        status=Offer.Status.ACTIVE,
        stock__gt=0,
        currency=storefront.currency,
        seller__status=Seller.Status.ACTIVE,
    )


def offers_for_variant(*, storefront: Storefront, variant_id: int) -> list[Offer]:
    """Return a variant's sellable offers, best first by the buy-box rule, with their sellers."""
    return list(
        offers_sellable(storefront)
        .filter(variant_id=variant_id)
        .annotate(condition_rank=CONDITION_ORDER)
        .select_related("seller")
        .order_by(*BUY_BOX_ORDER)
    )


def buy_box(*, storefront: Storefront, variant_id: int) -> Offer | None:
    """Return the offer the storefront puts forward for a variant, or None."""
    offers = offers_for_variant(storefront=storefront, variant_id=variant_id)
    return offers[0] if offers else None


def prior_prices(offer_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, int]:
    """Return {offer id: prior price in minor units} for the offers that show a reduction.

    Two queries whatever the number of offers: the history rows of the last 60 days, and
    the price each offer had when those 60 days began.
    """
    now = now or timezone.now()
    ids = list(offer_ids)
    if not ids:
        return {}
    since = now - 2 * REFERENCE_PERIOD
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for offer_id, valid_from, price in PriceHistory.objects.filter(
        offer_id__in=ids, valid_from__gt=since, valid_from__lte=now
    ).values_list("offer_id", "valid_from", "price_minor"):
        history[offer_id].append((valid_from, price))
    recent = [offer_id for offer_id, rows in history.items() if rows]
    earlier = (
        PriceHistory.objects.filter(offer_id=OuterRef("pk"), valid_from__lte=since)
        .order_by("-valid_from", "-id")
        .values("price_minor")[:1]
    )
    for offer_id, price in (
        Offer.objects.filter(pk__in=recent).annotate(earlier=Subquery(earlier)).values_list("pk", "earlier")
    ):
        if price is not None:
            history[offer_id].append((since, price))
    result = {}
    for offer_id, rows in history.items():
        if (prior := prior_price(rows, now)) is not None:
            result[offer_id] = prior
    return result


# --- what a storefront shows: products with at least one sellable offer ---------------------


def storefront_products(
    storefront: Storefront,
    *,
    category: Category | None = None,
    after_id: int | None = None,
    limit: int = 24,
) -> list[Product]:
    """Return published products of the storefront's scope that have a sellable offer, newest first.

    Each product carries ``best_price_minor`` and ``offer_count``. Keyset pagination: pass the last
    id seen as ``after_id``. Three queries, whatever the number of offers.
    """
    sellable = offers_sellable(storefront).filter(variant__product_id=OuterRef("pk"))
    products = Product.objects.filter(
        storefront_scope_filter(storefront), status=Product.Status.PUBLISHED
    ).filter(Exists(sellable))
    if category is not None:
        products = products.filter(category__path__startswith=category.path)
    if after_id is not None:
        products = products.filter(pk__lt=after_id)
    products = list(
        products.select_related("brand", "category")
        .annotate(
            best_price_minor=Subquery(sellable.order_by("price_minor").values("price_minor")[:1]),
            offer_count=Subquery(
                sellable.order_by().values("variant__product_id").annotate(n=Count("pk")).values("n")[:1]
            ),
        )
        .order_by("-pk")[:limit]
    )
    _attach_first_images(products)
    return products


def _attach_first_images(products: list[Product]) -> None:
    first: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product__in=products).order_by("product_id", "position", "id"):
        first.setdefault(image.product_id, image)
    for product in products:
        product.first_image = first.get(product.pk)


def storefront_product_get(storefront: Storefront, *, slug: str) -> Product:
    """Return a published product of the storefront's scope with its type, brand, category,
    variants and images; raise ProductNotFound otherwise."""
    try:
        return (
            Product.objects.filter(storefront_scope_filter(storefront), status=Product.Status.PUBLISHED)
            .select_related("brand", "category", "product_type")
            .prefetch_related("variants", "images", "product_type__attributes")
            .get(slug=slug)
        )
    except Product.DoesNotExist:
        raise ProductNotFound("This product is not sold on this storefront.") from None


def storefront_category_get(storefront: Storefront, *, slug: str) -> Category:
    """Return a category inside the storefront's scope; raise CategoryNotFound otherwise."""
    try:
        category = Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise CategoryNotFound("There is no such category.") from None
    roots = list(storefront.catalog_scope.values_list("path", flat=True))
    if roots and not any(category.path.startswith(root) for root in roots):
        raise CategoryNotFound("This category is not part of this storefront.")
    return category
