"""Category listings, read from the storefront's search index (docs/category-listing.md).

A listing is a range of ``SearchEntry`` rows of one storefront and category: the entries
(published products of its scope with a sellable offer) ordered by one of the entry indexes,
newest or best price with shipping, paged by keyset. Brand is a product filter (the entry's
value ids); condition, seller and price range are *offer* filters: an entry is listed when one
of its sellable offers passes all three, and shows that cheapest offer's price. Without offer
filters a page is a plain index range scan; with them, the value ids narrow the entries first
(GIN on PostgreSQL) and the entry's offer lists give the exact matching price.

Facets are disjunctive: a facet's counts apply every filter but its own, and the condition
and seller counts are exact per offer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from hashlib import sha1
from typing import Any, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, QuerySet

from galerie.catalog.models import Product, ProductImage
from galerie.core import surrogates
from galerie.core.caching import cache_bypassed
from galerie.offers.models import Condition
from galerie.search.backends import (
    OfferFilter,
    offer_best_price,
    offers_any,
    offers_from,
    values_any,
    values_unnest,
)
from galerie.search.cards import ProductCard, card_of_row, entry_rows, product_cards
from galerie.search.models import SearchEntry, SearchValue
from galerie.storefronts.models import Storefront

ALL_VALUE = ("all", "")  # every entry takes it: a count of it is the number of entries


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
    price_min: int | None = None  # minor units, inclusive, on an offer's price with shipping
    price_max: int | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a listing: a product's id, and its price in the price sorts."""

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
    products: list[ProductCard]
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


# --- filters as value ids ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Applied:
    """Filters as the index applies them."""

    brands: tuple[int, ...] | None  # value ids; None: no brand filter
    offers: OfferFilter
    tokens: tuple[int, ...] | None  # value ids, one of which a passing entry must take
    price_max: int | None  # no offer of an entry whose best price is above passes


def _value_ids(filters: ProductFilters) -> dict[tuple[str, str], int]:
    """Return the ids of the values the filters name; one query, none without such filters."""
    wanted = Q()
    if filters.brands:
        wanted |= Q(name="brand", value__in=filters.brands)
    if filters.conditions:
        wanted |= Q(name="condition", value__in=filters.conditions)
    if filters.sellers:
        wanted |= Q(name="seller", value__in=filters.sellers)
    if filters.conditions and filters.sellers:
        wanted |= Q(name="cs", value__in=[f"{c}:{s}" for c in filters.conditions for s in filters.sellers])
    if not wanted:
        return {}
    return {(n, v): pk for pk, n, v in SearchValue.objects.filter(wanted).values_list("pk", "name", "value")}


def _applied(filters: ProductFilters, ids: dict[tuple[str, str], int]) -> _Applied:
    def of(name: str, values: Iterable[str]) -> tuple[int, ...]:
        return tuple(sorted(ids[(name, v)] for v in values if (name, v) in ids))

    conditions = of("condition", filters.conditions) if filters.conditions else None
    sellers = of("seller", filters.sellers) if filters.sellers else None
    prices: tuple[tuple[int | None, int | None], ...] = ()
    if filters.price_min is not None or filters.price_max is not None:
        prices = ((filters.price_min, filters.price_max),)
    if conditions is not None and sellers is not None:
        pairs = [f"{c}:{s}" for c in filters.conditions for s in filters.sellers]
        tokens: tuple[int, ...] | None = of("cs", pairs)
    else:
        tokens = conditions if conditions is not None else sellers
    return _Applied(
        brands=of("brand", filters.brands) if filters.brands else None,
        offers=OfferFilter(sellers=sellers, conditions=conditions, prices=prices),
        tokens=tokens,
        price_max=filters.price_max,
    )


def _entries(
    storefront: Storefront, category_ids: Collection[int] | None, applied: _Applied, *, exact: bool = True
) -> QuerySet[SearchEntry]:
    """The entries passing the filters; with ``exact``, one of their offers passes all the offer
    filters (without it, the caller checks the offers itself)."""
    entries = SearchEntry.objects.filter(storefront_id=storefront.pk)
    if category_ids is not None:
        entries = entries.filter(category_id__in=sorted(category_ids))
    if applied.brands is not None:
        entries = entries.filter(values_any(applied.brands))
    if applied.tokens is not None:
        entries = entries.filter(values_any(applied.tokens))
    if applied.price_max is not None:
        entries = entries.filter(best_price_minor__lte=applied.price_max)
    if exact and applied.offers.active:
        entries = entries.filter(offers_any(applied.offers))
    return entries


# --- pages ---------------------------------------------------------------------------------------


def listing_page(
    storefront: Storefront,
    *,
    category_ids: Collection[int] | None = None,
    filters: ProductFilters = ProductFilters(),
    sort: ProductSort = ProductSort.NEWEST,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = 24,
) -> ProductPage:
    """Return one page of the listed products of ``category_ids`` (the whole storefront when None).

    Keyset pagination, never OFFSET: newest by product id, price sorts by (price, id),
    descending for ``price_desc``. Pass ``after`` (a page's ``next_cursor``) or ``before`` (its
    ``prev_cursor``). Each product carries ``best_price_minor`` (its cheapest offer passing the
    offer filters, shipping for one item included), ``offer_count`` (its offers passing them)
    and its card's title, brand and first image (search/cards.py). Two queries, three with
    filters on values, whatever the catalog's size.
    """
    applied = _applied(filters, _value_ids(filters))
    by_price = sort != ProductSort.NEWEST
    cursor = after or before
    if by_price and cursor is not None and cursor.price_minor is None:
        raise ValueError("A price sort pages with a cursor that holds a price.")
    rows: list[tuple[Any, ...]]
    if applied == _UNFILTERED:
        rows = _unfiltered_rows(storefront, category_ids, sort, after=after, before=before, count=limit + 1)
    else:
        entries = _entries(storefront, category_ids, applied, exact=False)
        if applied.offers.active:
            entries = entries.annotate(price=offer_best_price(applied.offers)).filter(price__isnull=False)
        else:
            entries = entries.annotate(price=F("best_price_minor"))
        if not by_price:
            descending = before is None
            if cursor is not None:
                entries = entries.filter(**{"product_id__lt" if descending else "product_id__gt": cursor.id})
            order: tuple[str, ...] = ("-product_id",) if descending else ("product_id",)
        else:
            ascending = (sort == ProductSort.PRICE_ASC) == (before is None)
            if cursor is not None:
                beyond = "gt" if ascending else "lt"
                entries = entries.filter(
                    Q(**{f"price__{beyond}": cursor.price_minor})
                    | Q(price=cursor.price_minor, **{f"product_id__{beyond}": cursor.id})
                )
            order = ("price", "product_id") if ascending else ("-price", "-product_id")
        rows = list(
            entries.order_by(*order).values_list(
                "product_id", "price", "offer_count", "offer_sellers", "offer_conditions", "offer_prices"
            )[: limit + 1]
        )
    more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
    if applied == _UNFILTERED:
        products = [card_of_row(row) for row in rows]
    else:
        shown = []
        for product_id, price, count, sellers, conditions, prices in rows:
            if applied.offers.active:
                count = sum(
                    offer_passes(applied.offers, s, c, p)
                    for s, c, p in zip(sellers, conditions, prices, strict=True)
                )
            shown.append((product_id, price, count))
        products = product_cards(shown)
    cursors = [Cursor(row[0], row[1] if by_price else None) for row in rows]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
    if before is not None:
        next_cursor = cursors[-1] if cursors else before
        prev_cursor = cursors[0] if more else None
    else:
        next_cursor = cursors[-1] if more else None
        prev_cursor = (cursors[0] if cursors else after) if after is not None else None
    return ProductPage(products=products, next_cursor=next_cursor, prev_cursor=prev_cursor)


_UNFILTERED = _applied(ProductFilters(), {})


def _unfiltered_rows(
    storefront: Storefront,
    category_ids: Collection[int] | None,
    sort: ProductSort,
    *,
    after: Cursor | None,
    before: Cursor | None,
    count: int,
) -> list[tuple[Any, ...]]:
    """``listing_page``'s range of entries without filters and their cards' fields, in one
    plain SQL query: the most visited listing pages, and the ORM took longer to build this
    query than PostgreSQL to run it (docs/performance.md). The filtered listings keep the
    querysets; tests/web/test_category_listing.py pages through both against a brute-force
    reading."""
    where: list[str] = ["e.storefront_id = %s"]
    params: list[int | None] = [storefront.pk]
    if category_ids is not None:
        if not category_ids:
            return []
        ids = sorted(category_ids)
        where.append(f"e.category_id IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    cursor = after or before
    if sort == ProductSort.NEWEST:
        descending = before is None
        if cursor is not None:
            where.append("e.product_id < %s" if descending else "e.product_id > %s")
            params.append(cursor.id)
        order = "e.product_id DESC" if descending else "e.product_id"
    else:
        ascending = (sort == ProductSort.PRICE_ASC) == (before is None)
        if cursor is not None:
            beyond = ">" if ascending else "<"
            where.append(
                f"(e.best_price_minor {beyond} %s OR (e.best_price_minor = %s AND e.product_id {beyond} %s))"
            )
            params += [cursor.price_minor, cursor.price_minor, cursor.id]
        order = (
            "e.best_price_minor, e.product_id" if ascending else "e.best_price_minor DESC, e.product_id DESC"
        )
    sql = (
        "SELECT e.product_id, e.best_price_minor, e.offer_count, {card_columns} FROM {entries} e {card_joins}"
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
    )
    return entry_rows(sql, [*params, count])


def offer_passes(offers: OfferFilter, seller: int, condition: int, price: int) -> bool:
    """``OfferFilter.where`` in Python, for the offers of the entries already read."""
    if offers.sellers is not None and seller not in offers.sellers:
        return False
    if offers.conditions is not None and condition not in offers.conditions:
        return False
    return not offers.prices or any(
        (low is None or price >= low) and (high is None or price <= high) for low, high in offers.prices
    )


def attach_first_images(products: list[Product]) -> None:
    """Set ``first_image`` on each product (its first image, or None); one query."""
    first: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product__in=products).order_by("product_id", "position", "id"):
        first.setdefault(image.product_id, image)
    for product in products:
        # A display value for the template, set on the row: not a field of Product.
        product.first_image = first.get(product.pk)  # type: ignore[attr-defined]


# --- facets --------------------------------------------------------------------------------------

Counts = dict[tuple[str, str], tuple[str, int]]  # (name, value) -> (label, entries)


Part = tuple[str, list]  # one SELECT of (name, value, label, entries) and its parameters


def value_counts_sql(
    entries: QuerySet[SearchEntry], names: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> list[Part]:
    """Count the entries taking each value of these facet ``names`` (every name but ``exclude``
    when None): one pass over the value ids of the entries (one GROUP BY), joined to the
    dictionary for their names and labels."""
    inner, params = entries.order_by().values("value_ids").query.sql_with_params()
    source, column = values_unnest("e")
    wanted = sorted(set(names)) if names is not None else sorted(set(exclude))
    if names is not None and not wanted:
        return []
    sql = (
        f"SELECT sv.name, sv.value, sv.label, c.n FROM (SELECT {column} AS vid, COUNT(*) AS n"
        f" FROM ({inner}) e, {source} GROUP BY {column}) c JOIN search_searchvalue sv ON sv.id = c.vid"
    )
    if wanted:
        where = "IN" if names is not None else "NOT IN"
        sql += f" WHERE sv.name {where} ({', '.join(['%s'] * len(wanted))})"
    return [(sql, [*params, *wanted])]


def offer_counts_sql(
    entries: QuerySet[SearchEntry], offers: OfferFilter, by: Iterable[str], *, bands: tuple[int, ...] = ()
) -> list[Part]:
    """Count the entries having an offer that passes ``offers``, per seller, condition or price
    band (``by``) of such an offer: exact per offer ("used" and "seller X" count X's used
    offers only). One pass over the offers of the entries per name."""
    inner, params = (
        entries.order_by()
        .values("id", "offer_sellers", "offer_conditions", "offer_prices")
        .query.sql_with_params()
    )
    source, (s, c, p) = offers_from("e")
    rows = (
        f"(SELECT e.id AS eid, {s} AS s, {c} AS c, {p} AS p FROM ({inner}) e, {source}"
        f" WHERE {offers.where(s, c, p)}) o"
    )
    parts: list[Part] = []
    for name in by:
        if name == "price":  # the band's name, as the indexer writes it (services.price_band)
            cases, low = [], 0
            for high in bands:
                cases.append(f"WHEN o.p < {int(high)} THEN '{low}-{high}'")
                low = high
            band = f"CASE {' '.join(cases)} ELSE '{low}-' END"
            sql = f"SELECT 'price', {band}, '', COUNT(DISTINCT o.eid) FROM {rows} GROUP BY {band}"
        else:
            column = "o.s" if name == "seller" else "o.c"
            sql = (
                f"SELECT sv.name, sv.value, sv.label, g.n FROM (SELECT {column} AS vid,"
                f" COUNT(DISTINCT o.eid) AS n FROM {rows} GROUP BY {column}) g"
                " JOIN search_searchvalue sv ON sv.id = g.vid"
            )
        parts.append((sql, list(params)))
    return parts


def counts_run(parts: list[Part]) -> Counts:
    """Run these counts in one statement (UNION ALL): one round trip for every facet."""
    if not parts:
        return {}
    sql = " UNION ALL ".join(part for part, _ in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in parts for param in params])
        return {(name, value): (label, n) for name, value, label, n in cursor.fetchall()}


def entry_value_counts(
    entries: QuerySet[SearchEntry], names: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> Counts:
    """``value_counts_sql``, run."""
    return counts_run(value_counts_sql(entries, names, exclude))


def listing_facets(
    storefront: Storefront,
    *,
    category_ids: Collection[int] | None,
    filters: ProductFilters,
    limit: int = 20,
    cache_seconds: int = 0,
) -> ProductFacets:
    """Return the filter options of a listing with their product counts, and the listing's total.

    A facet's counts apply every filter but its own (choosing a second brand widens the list);
    condition and seller counts are exact per offer. Brands and sellers: the ``limit`` most
    frequent, plus those selected. One pass over the listed entries' value ids, plus one per
    facet with a value chosen (over the offer lists for condition and seller), plus the
    filter values' ids: at most five queries whatever the catalog's size; none when a result
    younger than ``cache_seconds`` is in the cache (counts are hints: they may lag).
    """
    if cache_seconds and not cache_bypassed():
        ids = None if category_ids is None else sorted(category_ids)
        # Keyed on the storefront's listing version too (core/surrogates.py): counts computed
        # before the index changed (a suspended seller's offers left it) are not served again.
        version = surrogates.versions([surrogates.key("listing", storefront.pk)])
        key = (
            "listing-facets:" + sha1(repr((storefront.pk, ids, filters, limit, version)).encode()).hexdigest()
        )
        if (cached := cache.get(key)) is None:
            cached = listing_facets(storefront, category_ids=category_ids, filters=filters, limit=limit)
            cache.set(key, cached, cache_seconds)
        return cached
    value_ids = _value_ids(filters)
    applied = _applied(filters, value_ids)

    def entries(without: str) -> QuerySet[SearchEntry]:
        cleared: dict[str, Any] = {without: ()} if without else {}
        return _entries(storefront, category_ids, _applied(replace(filters, **cleared), value_ids))

    def offer_filter(without: str) -> OfferFilter:
        cleared: dict[str, Any] = {without: ()}
        return _applied(replace(filters, **cleared), value_ids).offers

    main_names = ["all", "brand"] if applied.offers.active else ["all", "brand", "condition", "seller"]
    parts = value_counts_sql(entries(""), names=main_names)
    if filters.brands:
        parts += value_counts_sql(entries("brands"), names=["brand"])
    if applied.offers.active:
        # Facets whose own filter is not chosen share the same filters.
        shared = [
            n for n, a in (("condition", "conditions"), ("seller", "sellers")) if not getattr(filters, a)
        ]
        if shared:
            parts += offer_counts_sql(entries(""), applied.offers, shared)
        for name, attribute in (("condition", "conditions"), ("seller", "sellers")):
            if name in shared:
                continue
            offers = offer_filter(attribute)
            if offers.active:
                parts += offer_counts_sql(entries(attribute), offers, [name])
            else:  # the facet's own filter was the only offer filter: the value ids are exact
                parts += value_counts_sql(entries(attribute), names=[name])
    # Every count in one statement, whatever the filters.
    counts = counts_run(parts)
    total = counts.get(ALL_VALUE, ("", 0))[1]

    def options(name: str, selected: tuple[str, ...]) -> list[FacetOption]:
        found = [(value, label, n) for (n_, value), (label, n) in counts.items() if n_ == name]
        found.sort(key=lambda row: (row[0] not in selected, -row[2], row[1], row[0]))
        return [FacetOption(value, label, n, value in selected) for value, label, n in found][
            : limit + len(selected)
        ]

    by_condition = {value: n for (name, value), (_label, n) in counts.items() if name == "condition"}
    # A condition's label is a lazy translation, kept lazy (the result is cached across
    # languages): it renders as text.
    conditions = [
        FacetOption(value, cast(str, label), by_condition.get(value, 0), value in filters.conditions)
        for value, label in Condition.choices
        if value in by_condition or value in filters.conditions
    ]
    return ProductFacets(
        total=total,
        brands=options("brand", filters.brands),
        conditions=conditions,
        sellers=options("seller", filters.sellers),
    )
