"""What a storefront lists: category listings with their filters, sorts and keyset pages, one
product's page and one category's.

An offer *matches* a listing when it is sellable and passes the offer filters (condition,
seller, price range). A product is listed when it passes the product filters (published, in
the categories, brand) and has at least one matching offer; its ``best_price_minor`` and
``offer_count`` are over its matching offers, so the price a card shows is one the filters
allow. Facets are disjunctive: a facet's counts apply every filter except its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery

from galerie.catalog.errors import CategoryNotFound, ProductNotFound
from galerie.catalog.models import Category, Product, ProductImage
from galerie.offers.models import Offer
from galerie.offers.selectors.sellable import _offers_live, _sellers_admitted
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter


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
        # A display value for the template, set on the row: not a field of Product.
        product.first_image = first.get(product.pk)  # type: ignore[attr-defined]


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
    # best_price_minor: the display value _page_newest and _page_by_price set on each row.
    cursors = [Cursor(p.pk, p.best_price_minor if by_price else None) for p in products]  # type: ignore[attr-defined]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
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
    page = list(rows.order_by(*order)[:limit])
    found = Product.objects.select_related("brand", "category").in_bulk(
        [row["variant__product_id"] for row in page]
    )
    products = []
    for row in page:
        product = found[row["variant__product_id"]]
        # Display values for the template, set on the rows: not fields of Product.
        product.best_price_minor = row["best"]  # type: ignore[attr-defined]
        product.offer_count = row["n"]  # type: ignore[attr-defined]
        products.append(product)
    return products
