"""Reads of offers: what a storefront may sell, the buy box, prior prices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from hashlib import sha1

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from galerie.catalog.errors import CategoryNotFound, ProductNotFound
from galerie.catalog.models import Category, Product, ProductImage
from galerie.offers.models import CONDITION_RANK, Condition, Offer, PriceHistory
from galerie.offers.pricing import REFERENCE_PERIOD, prior_price
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter, storefront_top_categories

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
    return _offers_live(storefront).filter(Exists(admitted), seller__status=Seller.Status.ACTIVE)


def _offers_live(storefront: Storefront) -> QuerySet[Offer]:
    return Offer.objects.filter(status=Offer.Status.ACTIVE, stock__gt=0, currency=storefront.currency)


def _sellers_admitted(storefront: Storefront) -> dict[str, int]:
    """Return {slug: id} of the sellers whose offers ``offers_sellable`` keeps: active, admitted."""
    return dict(
        SellerAdmission.objects.filter(
            storefront_id=storefront.pk,
            status=SellerAdmission.Status.ADMITTED,
            seller__status=Seller.Status.ACTIVE,
        ).values_list("seller__slug", "seller_id")
    )


def offers_for_variant(*, storefront: Storefront, variant_id: int) -> list[Offer]:
    """Return a variant's sellable offers, best first by the buy-box rule, with their sellers."""
    return list(
        offers_sellable(storefront)
        .filter(variant_id=variant_id)
        .annotate(condition_rank=CONDITION_ORDER)
        .select_related("seller__shipping_profile")
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
    id seen as ``after_id``. Four queries, whatever the number of offers.
    """
    page = storefront_product_page(
        storefront,
        category_ids=None if category is None else [c.pk for c in category_subtree(category)],
        after=None if after_id is None else Cursor(after_id),
        limit=limit,
    )
    return page.products


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


# --- category listings: filters, facets, sorts and keyset pages ------------------------------
#
# An offer *matches* a listing when it is sellable and passes the offer filters (condition,
# seller, price range). A product is listed when it passes the product filters (published, in
# the categories, brand) and has at least one matching offer; its ``best_price_minor`` and
# ``offer_count`` are over its matching offers, so the price a card shows is one the filters
# allow. Facets are disjunctive: a facet's counts apply every filter except its own.


class ProductSort(StrEnum):
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """What a customer narrowed a listing to; an empty tuple or None means "any"."""

    brands: tuple[str, ...] = ()  # brand slugs
    conditions: tuple[str, ...] = ()  # Condition values
    sellers: tuple[str, ...] = ()  # seller slugs
    price_min: int | None = None  # minor units, inclusive, on an offer's price
    price_max: int | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a listing: a product's id, and its best price in the price sorts."""

    id: int
    price_minor: int | None = None

    def to_param(self) -> str:
        return str(self.id) if self.price_minor is None else f"{self.price_minor}_{self.id}"

    @classmethod
    def from_param(cls, text: str, sort: ProductSort) -> Cursor | None:
        """Read ``<id>`` (newest) or ``<price>_<id>`` (price sorts); None when it does not fit."""
        parts = text.split("_")
        if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
            return None
        if sort == ProductSort.NEWEST:
            return cls(int(parts[0])) if len(parts) == 1 else None
        return cls(int(parts[1]), int(parts[0])) if len(parts) == 2 else None


@dataclass(frozen=True, slots=True)
class ProductPage:
    products: list[Product]
    next_cursor: Cursor | None  # pass as ``after`` for the next page; None on the last page
    prev_cursor: Cursor | None  # pass as ``before`` for the previous page; None on the first page


@dataclass(frozen=True, slots=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class ProductFacets:
    total: int  # products that pass every filter
    brands: list[FacetOption]
    conditions: list[FacetOption]
    sellers: list[FacetOption]


def category_subtree(category: Category) -> list[Category]:
    """Return the category and every category below it, in tree order; one query."""
    return list(Category.objects.filter(path__startswith=category.path).order_by("path"))


def _seller_ids(filters: ProductFilters, admitted: dict[str, int]) -> list[int]:
    if filters.sellers:
        return sorted(admitted[slug] for slug in filters.sellers if slug in admitted)
    return sorted(admitted.values())


def _offers_matching(
    storefront: Storefront, filters: ProductFilters, seller_ids: list[int]
) -> QuerySet[Offer]:
    # The sellable offers, their sellers named as a list of ids (``_seller_ids``) rather than by
    # a join: the plan then starts from the category's products whatever the statistics of the
    # admission table say, and needs no join on the sellers.
    offers = _offers_live(storefront).filter(seller_id__in=seller_ids)
    if filters.conditions:
        offers = offers.filter(condition__in=filters.conditions)
    if filters.price_min is not None:
        offers = offers.filter(price_minor__gte=filters.price_min)
    if filters.price_max is not None:
        offers = offers.filter(price_minor__lte=filters.price_max)
    return offers


def _products_listed(
    storefront: Storefront, category_ids: Collection[int] | None, filters: ProductFilters, prefix: str = ""
) -> Q:
    condition = Q(**{f"{prefix}status": Product.Status.PUBLISHED})
    if category_ids is None:
        condition &= storefront_scope_filter(storefront, prefix=prefix)
    else:
        # Ids rather than a join on the path: a plan that does not depend on the category
        # table's statistics.
        condition &= Q(**{f"{prefix}category_id__in": list(category_ids)})
    if filters.brands:
        condition &= Q(**{f"{prefix}brand__slug__in": filters.brands})
    return condition


def storefront_product_page(
    storefront: Storefront,
    *,
    category_ids: Collection[int] | None = None,
    filters: ProductFilters = ProductFilters(),
    sort: ProductSort = ProductSort.NEWEST,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 24,
) -> ProductPage:
    """Return one page of the listed products of ``category_ids`` (the storefront's scope when None).

    Keyset pagination, never OFFSET: newest by id, price sorts by (best price, id), descending
    for ``price_desc``. Pass ``after`` (a page's ``next_cursor``) or ``before`` (its
    ``prev_cursor``). Each product carries ``best_price_minor``, ``offer_count`` and
    ``first_image``. Three queries for the newest, four for the price sorts (one more on the
    storefront's whole scope), whatever the number of products and offers.
    """
    seller_ids = _seller_ids(filters, _sellers_admitted(storefront))
    if not seller_ids:
        products = []
    elif sort == ProductSort.NEWEST:
        products = _page_newest(storefront, category_ids, filters, seller_ids, after, before, limit + 1)
    else:
        products = _page_by_price(
            storefront, category_ids, filters, seller_ids, sort, after, before, limit + 1
        )
    more = len(products) > limit
    products = products[:limit]
    if before is not None:
        products.reverse()
    _attach_first_images(products)
    by_price = sort != ProductSort.NEWEST
    cursors = [Cursor(p.pk, p.best_price_minor if by_price else None) for p in products]
    if before is not None:
        next_cursor = cursors[-1] if cursors else before
        prev_cursor = cursors[0] if more else None
    else:
        next_cursor = cursors[-1] if more else None
        prev_cursor = (cursors[0] if cursors else after) if after is not None else None
    return ProductPage(products=products, next_cursor=next_cursor, prev_cursor=prev_cursor)


def _page_newest(
    storefront: Storefront,
    category_ids: Collection[int] | None,
    filters: ProductFilters,
    seller_ids: list[int],
    after: Cursor | None,
    before: Cursor | None,
    limit: int,
) -> list[Product]:
    # Walks the products newest first and stops at the page's end; the offers of only those
    # products are read, through the offers' variant index.
    matching = _offers_matching(storefront, filters, seller_ids).filter(variant__product_id=OuterRef("pk"))
    per_product = matching.order_by().values("variant__product_id")
    products = Product.objects.filter(_products_listed(storefront, category_ids, filters), Exists(matching))
    if after is not None:
        products = products.filter(pk__lt=after.id)
    if before is not None:
        products = products.filter(pk__gt=before.id)
    return list(
        products.select_related("brand", "category")
        .annotate(
            best_price_minor=Subquery(per_product.annotate(m=Min("price_minor")).values("m")),
            offer_count=Subquery(per_product.annotate(n=Count("pk")).values("n")),
        )
        .order_by("pk" if before is not None else "-pk")[:limit]
    )


def _page_by_price(
    storefront: Storefront,
    category_ids: Collection[int] | None,
    filters: ProductFilters,
    seller_ids: list[int],
    sort: ProductSort,
    after: Cursor | None,
    before: Cursor | None,
    limit: int,
) -> list[Product]:
    # One aggregated query over the matching offers gives each product's best price; the page's
    # products are then read by id.
    rows = (
        _offers_matching(storefront, filters, seller_ids)
        .filter(_products_listed(storefront, category_ids, filters, prefix="variant__product__"))
        .values("variant__product_id")
        .annotate(best=Min("price_minor"), n=Count("pk"))
    )
    ascending = (sort == ProductSort.PRICE_ASC) == (before is None)
    cursor = after or before
    if cursor is not None:
        if cursor.price_minor is None:
            raise ValueError("A price sort pages with a cursor that holds a price.")
        beyond = "gt" if ascending else "lt"
        rows = rows.filter(
            Q(**{f"best__{beyond}": cursor.price_minor})
            | Q(best=cursor.price_minor, **{f"variant__product_id__{beyond}": cursor.id})
        )
    order = ("best", "variant__product_id") if ascending else ("-best", "-variant__product_id")
    rows = list(rows.order_by(*order)[:limit])
    found = Product.objects.select_related("brand", "category").in_bulk(
        [row["variant__product_id"] for row in rows]
    )
    products = []
    for row in rows:
        product = found[row["variant__product_id"]]
        product.best_price_minor = row["best"]
        product.offer_count = row["n"]
        products.append(product)
    return products


def storefront_product_facets(
    storefront: Storefront,
    *,
    category_ids: Collection[int] | None,
    filters: ProductFilters,
    limit: int = 20,
    cache_seconds: int = 0,
) -> ProductFacets:
    """Return the filter options of a listing with their product counts, and the listing's total.

    A facet's counts apply every filter but its own (choosing a second brand widens the list).
    Brands and sellers: the ``limit`` most frequent, plus those selected. The admitted sellers,
    then three GROUP BY queries, whatever the number of products and offers; none when a
    result younger than ``cache_seconds`` is in the cache (counts are hints: they may lag).
    """
    if cache_seconds:
        ids = None if category_ids is None else sorted(category_ids)
        key = "facets:" + sha1(repr((storefront.pk, ids, filters, limit)).encode()).hexdigest()
        if (cached := cache.get(key)) is None:
            cached = storefront_product_facets(
                storefront, category_ids=category_ids, filters=filters, limit=limit
            )
            cache.set(key, cached, cache_seconds)
        return cached
    admitted = _sellers_admitted(storefront)

    def grouped(without: str, *fields: str) -> QuerySet:
        others = replace(filters, **{without: ()})
        if not (seller_ids := _seller_ids(others, admitted)):
            return Offer.objects.none().values(*fields).annotate(n=Count("pk"))
        return (
            _offers_matching(storefront, others, seller_ids)
            .filter(_products_listed(storefront, category_ids, others, prefix="variant__product__"))
            .values(*fields)
            .annotate(n=Count("variant__product_id", distinct=True))
        )

    brand_slug = "variant__product__brand__slug"
    brand_rows = list(
        grouped("brands", brand_slug, "variant__product__brand__name")
        .annotate(grand_total=_SumOverAllGroups("n"))
        .order_by(*_selected_first(brand_slug, filters.brands, "-n", "variant__product__brand__name"))[
            : limit + 1 + len(filters.brands)
        ]
    )
    seller_rows = grouped("sellers", "seller__slug", "seller__display_name").order_by(
        *_selected_first("seller__slug", filters.sellers, "-n", "seller__display_name")
    )[: limit + len(filters.sellers)]
    condition_rows = {row["condition"]: row["n"] for row in grouped("conditions", "condition")}

    if filters.brands:
        total = sum(row["n"] for row in brand_rows if row[brand_slug] in filters.brands)
    else:
        total = brand_rows[0]["grand_total"] if brand_rows else 0
    brands = [
        FacetOption(
            row[brand_slug], row["variant__product__brand__name"], row["n"], row[brand_slug] in filters.brands
        )
        for row in brand_rows
        if row[brand_slug] is not None  # products without a brand count in the total only
    ]
    sellers = [
        FacetOption(
            row["seller__slug"], row["seller__display_name"], row["n"], row["seller__slug"] in filters.sellers
        )
        for row in seller_rows
    ]
    conditions = [
        FacetOption(value, label, condition_rows.get(value, 0), value in filters.conditions)
        for value, label in Condition.choices
        if value in condition_rows or value in filters.conditions
    ]
    return ProductFacets(
        total=total, brands=brands[: limit + len(filters.brands)], conditions=conditions, sellers=sellers
    )


class _SumOverAllGroups(Func):
    """SUM(<a grouped aggregate>) OVER (): the total over every group, computed before LIMIT."""

    template = "SUM(%(expressions)s) OVER ()"
    output_field = IntegerField()


def _selected_first(field: str, values: tuple[str, ...], *then: str) -> list[Case | str]:
    """Return an ordering that puts the selected values first (they must survive the LIMIT)."""
    if not values:
        return list(then)
    selected = Case(
        When(Q(**{f"{field}__in": values}), then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return [selected, *then]


# --- the home page: featured categories and deals ---------------------------------------------

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
    cached = cache.get(key)
    if cached is None:
        cached = _featured_category_data(categories)
        cache.set(key, cached, FEATURED_CACHE_SECONDS)
    for category in categories:
        category.product_count, category.picture_url = cached.get(category.pk, (0, ""))
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
    candidates = cache.get(key)
    seller_ids = None
    if candidates is None:
        seller_ids = sorted(_sellers_admitted(storefront).values())
        candidates = _deal_candidates(storefront, now, seller_ids)
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
    best: dict[int, Offer] = {}
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
            product.best_price_minor = offer.price_minor
            product.prior_minor = priors[offer.pk]
            product.offer_count = offer_count[offer.product_id]
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


# --- sitemaps ----------------------------------------------------------------------------------

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
