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

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from hashlib import sha1
from typing import Any, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import F, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL

from galerie.catalog.models import Category
from galerie.core import surrogates
from galerie.core.caching import cache_bypassed
from galerie.offers.models import Condition
from galerie.offers.selectors.listing import CategoryRow
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
    RATING = "rating"  # best rated first: the product's average on the storefront, then newest


# The rating sort reads the product summaries that galerie.reviews keeps (reviews/models.py
# RatingSummary: one row per storefront and product, average × 100) by table name: search sits
# below reviews and does not import it. A product without reviews rates 0. One lookup by the
# summaries' unique key per entry ordered (docs/reviews.md: why a join and not a column).
RATING_TABLE = "reviews_ratingsummary"
_RATING = (
    f"COALESCE((SELECT r.average_centi FROM {RATING_TABLE} r WHERE r.storefront_id = {{entry}}.storefront_id"
    " AND r.kind = 'product' AND r.subject_id = {entry}.product_id), 0)"
)


def rating_sql(entry: str) -> str:
    """The SQL of an entry's rating (average × 100, 0 without reviews); ``entry``: its table or alias."""
    return _RATING.format(entry=entry)


def rating_annotation() -> RawSQL:
    """``rating_sql`` for a queryset of entries (unaliased: the outer query's table)."""
    return RawSQL(
        rating_sql(connection.ops.quote_name(SearchEntry._meta.db_table)), (), output_field=IntegerField()
    )


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
    """A position in a listing: a product's id, and its sort value in the other sorts: the price
    in the price sorts, the rating (average × 100) in the rating sort (``price_minor`` then
    holds the rating)."""

    id: int
    price_minor: int | None = None

    def to_param(self) -> str:
        return str(self.id) if self.price_minor is None else f"{self.price_minor}_{self.id}"

    @classmethod
    def from_param(cls, text: str, sort: ProductSort) -> Cursor | None:
        """Read ``<id>`` (newest) or ``<value>_<id>`` (price and rating sorts); None when it does not fit."""
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
    exact: bool = True  # False: a lower bound, not shown (listing_facets)


@dataclass(frozen=True, slots=True)
class ProductFacets:
    total: int  # products that pass every filter
    brands: list[FacetOption]
    conditions: list[FacetOption]
    sellers: list[FacetOption]
    total_exact: bool = True  # False: more than ``total`` products pass (listing_facets)


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
    if exact and applied.offers.active and not _only_price_max(applied):
        entries = entries.filter(offers_any(applied.offers))
    return entries


def _only_price_max(applied: _Applied) -> bool:
    """Whether the offer filters are a maximum price alone: then ``best_price_minor <= max``
    says that one offer passes (the best price is the cheapest offer's), no need to read the
    offers of each entry."""
    offers = applied.offers
    return (
        offers.sellers is None
        and offers.conditions is None
        and applied.price_max is not None
        and offers.prices == ((None, applied.price_max),)
    )


def _entries_sql(
    storefront: Storefront,
    category_ids: Collection[int] | None,
    applied: _Applied,
    columns: str,
    *,
    exact: bool = True,
    order: str = "",
    limit: int | None = None,
) -> tuple[str, list]:
    """``_entries`` as plain SQL (the entry table aliased ``e``): the sets that the facet
    counts and the first page of a price sort read, where building and compiling the
    queryset cost more CPU than PostgreSQL spent running it. Only integers are written into
    the statement; the same conditions as ``_entries`` (tests compare both with brute force)."""
    where, params = ["e.storefront_id = %s"], [storefront.pk]
    if category_ids is not None:
        ids = sorted(category_ids)
        where.append(f"e.category_id IN ({', '.join(str(int(i)) for i in ids)})" if ids else "1 = 0")
    for ids_any in (applied.brands, applied.tokens):
        if ids_any is not None:
            condition = values_any(ids_any)
            where.append(condition.template.format(entry="e"))
            params += condition.params
    if applied.price_max is not None:
        where.append("e.best_price_minor <= %s")
        params.append(applied.price_max)
    if exact and applied.offers.active and not _only_price_max(applied):
        condition = offers_any(applied.offers)
        where.append(condition.template.format(entry="e"))
        params += condition.params
    sql = f"SELECT {columns} FROM {SearchEntry._meta.db_table} e WHERE {' AND '.join(where)}"
    if order:
        sql += f" ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


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
    descending for ``price_desc``, rating by (rating, id) descending. Pass ``after`` (a page's
    ``next_cursor``) or ``before`` (its ``prev_cursor``). Each product carries
    ``best_price_minor`` (its cheapest offer passing the offer filters, shipping for one item
    included), ``offer_count`` (its offers passing them) and its card's title, brand and first
    image (search/cards.py). Two queries, three with filters on values, whatever the catalog's
    size.
    """
    applied = _applied(filters, _value_ids(filters))
    by_price = sort in (ProductSort.PRICE_ASC, ProductSort.PRICE_DESC)
    by_rating = sort == ProductSort.RATING
    cursor = after or before
    if (by_price or by_rating) and cursor is not None and cursor.price_minor is None:
        raise ValueError("A price or rating sort pages with a cursor that holds its value.")
    rows: list[tuple[Any, ...]]
    if applied == _UNFILTERED:
        rows = _unfiltered_rows(storefront, category_ids, sort, after=after, before=before, count=limit + 1)
    else:
        entries = _entries(storefront, category_ids, applied, exact=False)
        if applied.offers.active:
            entries = entries.annotate(price=offer_best_price(applied.offers)).filter(price__isnull=False)
        else:
            entries = entries.annotate(price=F("best_price_minor"))
        if by_rating:
            descending = before is None
            entries = entries.annotate(rating=rating_annotation())
            if cursor is not None:
                beyond = "lt" if descending else "gt"
                entries = entries.filter(
                    Q(**{f"rating__{beyond}": cursor.price_minor})
                    | Q(rating=cursor.price_minor, **{f"product_id__{beyond}": cursor.id})
                )
            order: tuple[str, ...] = ("-rating", "-product_id") if descending else ("rating", "product_id")
        elif not by_price:
            descending = before is None
            if cursor is not None:
                entries = entries.filter(**{"product_id__lt" if descending else "product_id__gt": cursor.id})
            order = ("-product_id",) if descending else ("product_id",)
        else:
            ascending = (sort == ProductSort.PRICE_ASC) == (before is None)
            if cursor is not None:
                beyond = "gt" if ascending else "lt"
                entries = entries.filter(
                    Q(**{f"price__{beyond}": cursor.price_minor})
                    | Q(price=cursor.price_minor, **{f"product_id__{beyond}": cursor.id})
                )
            order = ("price", "product_id") if ascending else ("-price", "-product_id")
        columns: tuple[str, ...] = (
            "product_id",
            "price",
            "offer_count",
            "offer_sellers",
            "offer_conditions",
            "offer_prices",
        )
        if by_rating:
            columns += ("rating",)  # the cursor's value, last
        found_first = None
        if applied.offers.active and sort == ProductSort.PRICE_ASC and cursor is None:
            # Candidates per row, then four times as many, then every matching entry.
            for per_row in (CHEAPEST_CANDIDATES_PER_ROW, 4 * CHEAPEST_CANDIDATES_PER_ROW, None):
                found_first = _cheapest_first(storefront, category_ids, applied, limit + 1, per_row)
                if found_first is not None:
                    break
        rows = (
            found_first
            if found_first is not None
            else list(entries.order_by(*order).values_list(*columns)[: limit + 1])
        )
    more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
    # In the rating sort every row ends with the rating: the cursor's value, not a card field.
    ratings = [row[-1] for row in rows] if by_rating else [None] * len(rows)
    if by_rating:
        rows = [row[:-1] for row in rows]
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
    cursors = [
        Cursor(row[0], row[1] if by_price else rating) for row, rating in zip(rows, ratings, strict=True)
    ]
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
    last = ""  # a column after the card's: the rating sort's value
    if sort == ProductSort.NEWEST:
        descending = before is None
        if cursor is not None:
            where.append("e.product_id < %s" if descending else "e.product_id > %s")
            params.append(cursor.id)
        order = "e.product_id DESC" if descending else "e.product_id"
    elif sort == ProductSort.RATING:
        descending = before is None
        rating = rating_sql("e")
        if cursor is not None:
            beyond = "<" if descending else ">"
            where.append(f"({rating} {beyond} %s OR ({rating} = %s AND e.product_id {beyond} %s))")
            params += [cursor.price_minor, cursor.price_minor, cursor.id]
        order = "rating DESC, e.product_id DESC" if descending else "rating, e.product_id"
        last = f", {rating} AS rating"
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
        "SELECT e.product_id, e.best_price_minor, e.offer_count, {card_columns}"
        f"{last} FROM {{entries}} e {{card_joins}}"
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
    )
    return entry_rows(sql, [*params, count])


# The first page of "price ascending" under offer filters reads this many entries per row, in
# best price order (_cheapest_first), then four times as many, before it sorts every entry that
# passes: on the large seed, "new, under 60 €" settles in 24 of the 25 leaf categories of the
# bench with 40 (the new offers cost a little more than the used ones that set the best price),
# and in the last ("vinyles", 7,505 matching entries) with 80.
CHEAPEST_CANDIDATES_PER_ROW = 40


def _cheapest_first(
    storefront: Storefront,
    category_ids: Collection[int] | None,
    applied: _Applied,
    wanted: int,
    per_row: int | None,
) -> list | None:
    """The first ``wanted`` rows by (price passing the offer filters, product) without computing
    that price for every entry: an entry's filtered price is never below its best price, so
    reading the entries in (best price, product) order (an index range), a row whose filtered
    (price, product) is below the last candidate's (best price, product) can be overtaken by
    no entry not read. ``per_row`` candidates per row wanted are read (every matching entry when
    None, which settles them all). One query, which keeps the candidates and returns the
    settled rows only (not the candidates' offer lists: turning a thousand of them into Python
    lists cost more CPU than the query), each candidate priced once; None when the candidates
    read do not settle ``wanted`` rows (the caller asks again with more)."""
    every = per_row is None
    size = 2**62 if per_row is None else wanted * per_row
    best = offer_best_price(applied.offers)
    inner, params = _entries_sql(
        storefront,
        category_ids,
        applied,
        "e.product_id, e.best_price_minor, e.offer_count, e.offer_sellers, e.offer_conditions,"
        f" e.offer_prices, {best.template.format(entry='e')} AS price",
        exact=False,
        order="e.best_price_minor, e.product_id",
        limit=None if every else size,
    )
    params = [*best.params, *params]  # the price is a column: its parameters come first
    # The price is computed once per candidate (in ``c``), the passing ones kept outside it.
    sql = (
        f"WITH c AS ({inner}), k AS (SELECT COUNT(*) AS n FROM c),"
        " l AS (SELECT best_price_minor AS b, product_id AS i FROM c"
        " ORDER BY best_price_minor DESC, product_id DESC LIMIT 1)"
        " SELECT k.n, r.product_id, r.price, r.offer_count, r.offer_sellers, r.offer_conditions,"
        " r.offer_prices FROM k LEFT JOIN (SELECT c.* FROM c, k, l WHERE c.price IS NOT NULL"
        " AND (k.n < %s OR c.price < l.b OR (c.price = l.b AND c.product_id < l.i))"
        " ORDER BY c.price, c.product_id LIMIT %s) r ON 1 = 1 ORDER BY r.price, r.product_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size, wanted])
        found = cursor.fetchall()
    read = found[0][0]
    rows = [
        (pid, price, count, _int_list(sellers), _int_list(conditions), _int_list(prices))
        for _n, pid, price, count, sellers, conditions, prices in found
        if pid is not None
    ]
    return rows if every or read < size or len(rows) >= wanted else None


def _int_list(value: Any) -> list[int]:
    """A list column read by raw SQL: a list on PostgreSQL, JSON text on SQLite."""
    return json.loads(value) if isinstance(value, str) else value


def offer_passes(offers: OfferFilter, seller: int, condition: int, price: int) -> bool:
    """``OfferFilter.where`` in Python, for the offers of the entries already read."""
    if offers.sellers is not None and seller not in offers.sellers:
        return False
    if offers.conditions is not None and condition not in offers.conditions:
        return False
    return not offers.prices or any(
        (low is None or price >= low) and (high is None or price <= high) for low, high in offers.prices
    )


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
    return _value_counts(f"({inner})", list(params), names, exclude)


def _value_counts(
    source: str, params: list, names: Iterable[str] | None = None, exclude: Iterable[str] = (), tag: str = ""
) -> list[Part]:
    """``value_counts_sql`` over ``source`` (a subquery or a CTE's name); with ``tag``, each row
    starts with it (a column of its own)."""
    unnest, column = values_unnest("e")
    wanted = sorted(set(names)) if names is not None else sorted(set(exclude))
    if names is not None and not wanted:
        return []
    sql = (
        f"SELECT {_tag(tag)}sv.name, sv.value, sv.label, c.n FROM (SELECT {column} AS vid, COUNT(*) AS n"
        f" FROM {source} e, {unnest} GROUP BY {column}) c JOIN search_searchvalue sv ON sv.id = c.vid"
    )
    if wanted:
        where = "IN" if names is not None else "NOT IN"
        sql += f" WHERE sv.name {where} ({', '.join(['%s'] * len(wanted))})"
    return [(sql, [*params, *wanted])]


def _tag(tag: str) -> str:
    return f"'{tag}' AS tag, " if tag else ""


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
    return _offer_counts(f"({inner})", list(params), offers, by, bands=bands)


def _offer_counts(
    source: str,
    params: list,
    offers: OfferFilter,
    by: Iterable[str],
    *,
    bands: tuple[int, ...] = (),
    tag: str = "",
    top: int | None = None,
    keep: tuple[int, ...] = (),
) -> list[Part]:
    """``offer_counts_sql`` over ``source`` (a subquery or a CTE's name), rows tagged as in
    ``_value_counts``."""
    unnest, (s, c, p) = offers_from("e")
    rows = (
        f"(SELECT e.id AS eid, {s} AS s, {c} AS c, {p} AS p FROM {source} e, {unnest}"
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
            sql = f"SELECT {_tag(tag)}'price', {band}, '', COUNT(DISTINCT o.eid) FROM {rows} GROUP BY {band}"
        else:
            column = "o.s" if name == "seller" else "o.c"
            limited = ""
            if top is not None and name == "seller":  # the ``keep`` values, then the most frequent
                first = f"{column} IN ({','.join(str(int(i)) for i in keep)}) DESC, " if keep else ""
                limited = f" ORDER BY {first}n DESC, {column} LIMIT {int(top) + len(keep)}"
            sql = (
                f"SELECT {_tag(tag)}sv.name, sv.value, sv.label, g.n FROM (SELECT {column} AS vid,"
                f" COUNT(DISTINCT o.eid) AS n FROM {rows} GROUP BY {column}{limited}) g"
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


# Facet counts over more entries than this are not computed exactly: the listing says "more
# than 500 products" and shows the filter options without their counts
# (docs/category-listing.md, "Facet counts"). Each set of filters left out reads up to this
# many entries and their offers: 500 rather than 1,000 halves the largest part of a filtered
# page's database time (docs/performance.md, "Filtered listings, bypassed").
FACETS_EXACT_UP_TO = 500
_SET_COLUMNS = "e.id, e.brand_id, e.value_ids, e.offer_sellers, e.offer_conditions, e.offer_prices"
_FACET_FILTERS = {"brand": "brands", "condition": "conditions", "seller": "sellers"}


def listing_facets(
    storefront: Storefront,
    *,
    category_ids: Collection[int] | None,
    filters: ProductFilters,
    category: Category | CategoryRow | None = None,
    limit: int = 20,
    cache_seconds: int = 0,
    exact_up_to: int | None = None,
) -> ProductFacets:
    """Return the filter options of a listing with their product counts, and the listing's total.

    A facet's counts apply every filter but its own (choosing a second brand widens the list);
    condition and seller counts are exact per offer. Brands and sellers: the ``limit`` most
    frequent, plus those selected.

    Where they come from (docs/category-listing.md, "Facet counts"): a count over the entries
    of ``category`` (whose subtree ``category_ids`` is) or of the whole storefront
    (``category_ids`` None) with no filter is read from the count table the indexer keeps
    (``search.counts``): the unfiltered page's total and facets, and under filters the facet of
    the filter's own name when it is the only one, and the total of brand filters alone. The
    others are counted over the entries passing the filters, at most ``exact_up_to`` + 1 of
    them (``FACETS_EXACT_UP_TO`` when None): when more pass, the total is ``exact_up_to`` with
    ``total_exact`` False and the counts of such facets are lower bounds (``exact`` False),
    which pages do not show.
    The ids of the filter values, then one statement; none when a result younger than
    ``cache_seconds`` is in the cache.
    """
    if exact_up_to is None:
        exact_up_to = FACETS_EXACT_UP_TO
    if cache_seconds and not cache_bypassed():
        ids = None if category_ids is None else sorted(category_ids)
        scope_pk = None if category is None else category.pk
        # Keyed on the storefront's listing version too (core/surrogates.py): counts computed
        # before the index changed (a suspended seller's offers left it) are not served again.
        version = surrogates.versions([surrogates.key("listing", storefront.pk)])
        key = (
            "listing-facets:"
            + sha1(
                repr((storefront.pk, ids, scope_pk, filters, limit, exact_up_to, version)).encode()
            ).hexdigest()
        )
        if (cached := cache.get(key)) is None:
            cached = listing_facets(
                storefront,
                category_ids=category_ids,
                filters=filters,
                category=category,
                limit=limit,
                exact_up_to=exact_up_to,
            )
            cache.set(key, cached, cache_seconds)
        return cached
    value_ids = _value_ids(filters)
    scope: tuple[str, str] | None = None
    if category is not None:
        scope = ("category", category.slug)
    elif category_ids is None:
        scope = ALL_VALUE

    def narrowed(without: str) -> ProductFilters:
        cleared: dict[str, Any] = {without: ()} if without else {}
        return replace(filters, **cleared)

    def in_table(without: str) -> bool:
        return scope is not None and narrowed(without) == ProductFilters()

    # The computed counts: one bounded set of entries per filter left out ("": none), each a
    # CTE read by its parts, tagged with its name.
    sets: dict[str, str] = {}
    computed: list[Part] = []

    def entry_set(without: str) -> str:
        if without not in sets:
            sets[without] = tag = f"s{len(sets)}"
            computed.append((f"SELECT '{tag}' AS tag, 'all', '', '', COUNT(*) FROM {tag}", []))
        return sets[without]

    # Per facet name, where its counts come from: "table", or the tag of a computed set.
    source: dict[str, str] = {}
    table_names: list[str] = []
    value_names: dict[str, list[str]] = {}  # per set: the names counted on its value ids
    offer_names: dict[str, tuple[OfferFilter, list[str]]] = {}  # per set: on its offers
    for name, attribute in _FACET_FILTERS.items():
        without = attribute if getattr(filters, attribute) else ""
        offers = _applied(narrowed(without), value_ids).offers
        if name != "brand" and offers.active:
            source[name] = tag = entry_set(without)
            offer_names.setdefault(tag, (offers, []))[1].append(name)
        elif in_table(without):
            table_names.append(name)
            source[name] = "table"
        else:
            source[name] = tag = entry_set(without)
            value_names.setdefault(tag, []).append(name)
    for tag, names in value_names.items():
        if "brand" in names:  # the entry's brand column: one row per entry, not its every value id
            computed.append(_brand_counts_sql(tag, limit, filters.brands))
            names = [n for n in names if n != "brand"]
        computed += _value_counts(tag, [], names=names, tag=tag)
    chosen_sellers = _applied(filters, value_ids).offers.sellers or ()
    for tag, (offers, names) in offer_names.items():
        computed += _offer_counts(tag, [], offers, names, tag=tag, top=limit, keep=chosen_sellers)
    total_from = "table" if in_table("") or (in_table("brands") and filters.brands) else entry_set("")
    if total_from == "table" and not filters.brands:
        table_names.append("all")
    parts = computed
    if sets:
        ctes, cte_params = [], []
        for without, tag in sets.items():
            inner, params = _entries_sql(
                storefront,
                category_ids,
                _applied(narrowed(without), value_ids),
                _SET_COLUMNS,
                limit=exact_up_to + 1,
            )
            ctes.append(f"{tag} AS ({inner})")
            cte_params += list(params)
    parts_table: list[Part] = []
    if scope is not None and (table_names or filters.brands):
        selected = {"brand": filters.brands, "condition": filters.conditions, "seller": filters.sellers}
        for name in table_names:
            top = None if name in ("all", "condition") else limit + len(selected.get(name, ()))
            parts_table += counts_top_sql(storefront.pk, scope, name, top=top)
            if selected.get(name):
                parts_table += counts_top_sql(storefront.pk, scope, name, values=selected[name])
        if total_from == "table" and filters.brands and "brand" not in table_names:
            parts_table += counts_top_sql(storefront.pk, scope, "brand", values=filters.brands)
    rows = _run_tagged([*parts_table, *parts], ctes if sets else [], cte_params if sets else [])
    sizes = {tag: rows.get(tag, {}).get(ALL_VALUE, ("", 0))[1] for tag in sets.values()}

    def counts_of(name: str) -> tuple[dict[str, tuple[str, int]], bool]:
        tag = source[name]
        found = rows.get(tag, {})
        exact = tag == "table" or sizes[tag] <= exact_up_to
        return {value: (label, n) for (n_, value), (label, n) in found.items() if n_ == name}, exact

    if total_from == "table":
        table = rows.get("table", {})
        if filters.brands:  # an entry has one brand: the chosen brands' counts add up
            total = sum(n for (n_, v), (_l, n) in table.items() if n_ == "brand" and v in filters.brands)
        else:
            total = table.get(ALL_VALUE, ("", 0))[1]
        total_exact = True
    else:
        total_exact = sizes[total_from] <= exact_up_to
        total = sizes[total_from] if total_exact else exact_up_to

    def options(name: str, selected: tuple[str, ...]) -> list[FacetOption]:
        counts, exact = counts_of(name)
        found = [(value, label, n) for value, (label, n) in counts.items()]
        found.sort(key=lambda row: (row[0] not in selected, -row[2], row[1], row[0]))
        return [FacetOption(value, label, n, value in selected, exact) for value, label, n in found][
            : limit + len(selected)
        ]

    by_condition, conditions_exact = counts_of("condition")
    # A condition's label is a lazy translation, kept lazy (the result is cached across
    # languages): it renders as text.
    conditions = [
        FacetOption(
            value,
            cast(str, label),
            by_condition.get(value, ("", 0))[1],
            value in filters.conditions,
            conditions_exact,
        )
        for value, label in Condition.choices
        if value in by_condition or value in filters.conditions
    ]
    return ProductFacets(
        total=total,
        brands=options("brand", filters.brands),
        conditions=conditions,
        sellers=options("seller", filters.sellers),
        total_exact=total_exact,
    )


def _brand_counts_sql(tag: str, top: int, selected: tuple[str, ...]) -> Part:
    """Count the entries of the set ``tag`` per brand, from their brand column (the brand value
    of an entry is its brand's slug: services.IndexRun._entry): the ``selected`` brands and the
    ``top`` most frequent, named by a join of those rows only."""
    first, params = "", list(selected)
    if selected:
        slugs = ", ".join(["%s"] * len(selected))
        first = f"e.brand_id IN (SELECT id FROM catalog_brand WHERE slug IN ({slugs})) DESC, "
    sql = (
        f"SELECT '{tag}' AS tag, 'brand', b.slug, b.name, g.n FROM (SELECT e.brand_id, COUNT(*) AS n"
        f" FROM {tag} e WHERE e.brand_id IS NOT NULL GROUP BY e.brand_id"
        f" ORDER BY {first}n DESC, e.brand_id LIMIT {int(top) + len(selected)}) g"
        " JOIN catalog_brand b ON b.id = g.brand_id"
    )
    return sql, params


def counts_top_sql(
    storefront_id: int,
    scope: tuple[str, str],
    name: str,
    *,
    top: int | None = None,
    values: Iterable[str] | None = None,
) -> list[Part]:
    """Read from the count table (``search.counts``) the counts of values of ``name`` in
    ``scope`` (a value: ("category", slug) or ("all", "")): the ``top`` most frequent (all when
    None), or those of ``values``. Rows tagged "table". A range of the table's
    (storefront, scope, name, -n) index."""
    where = (
        "c.storefront_id = %s AND c.name = %s AND c.n > 0"
        " AND c.scope = (SELECT id FROM search_searchvalue WHERE name = %s AND value = %s)"
    )
    params: list = [storefront_id, name, *scope]
    if values is not None:
        wanted = sorted(set(values))
        if not wanted:
            return []
        where += (
            " AND c.value IN (SELECT id FROM search_searchvalue WHERE name = %s"
            f" AND value IN ({', '.join(['%s'] * len(wanted))}))"
        )
        params += [name, *wanted]
    # The rows of the count table first (a range of its index), then their names and labels.
    # Ties at the cut are broken by value id, not label: never a sort of every value of the
    # scope (thousands of brands).
    limited = f" ORDER BY c.n DESC, c.value LIMIT {int(top)}" if top is not None and values is None else ""
    sql = (
        "SELECT 'table' AS tag, t.name, sv.value, sv.label, t.n FROM"
        f" (SELECT c.name, c.value, c.n FROM search_searchcount c WHERE {where}{limited}) t"
        " JOIN search_searchvalue sv ON sv.id = t.value"
    )
    return [(sql, params)]


def _run_tagged(parts: list[Part], ctes: list[str], cte_params: list) -> dict[str, Counts]:
    """Run tagged count parts in one statement (``WITH`` the CTEs they read, then ``UNION
    ALL``); return the counts per tag."""
    if not parts:
        return {}
    sql = " UNION ALL ".join(part for part, _ in parts)
    if ctes:
        sql = "WITH " + ", ".join(ctes) + " " + sql
    found: dict[str, Counts] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte_params, *(param for _, params in parts for param in params)])
        for tag, name, value, label, n in cursor.fetchall():
            found.setdefault(tag, {})[(name, value)] = (label, n)
    return found
