"""Reads of the search index: a storefront's search results with their facets, and suggestions.

Everything here reads ``SearchEntry`` rows of one storefront and the value dictionary: products
that are published, in its scope and have a sellable offer there. Ranking: see ``RANKING``
and docs/search.md; the storefront's public ranking page is generated from the same constants.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum
from hashlib import sha1

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.text import slugify

from galerie.catalog.models import AttributeDefinition, Category
from galerie.core import surrogates
from galerie.core.caching import cache_bypassed, cached
from galerie.search import text
from galerie.search.backends import (
    WEIGHTS,
    EntrySQL,
    OfferFilter,
    TextQuery,
    ids_among,
    offer_best_price,
    offers_any,
    term_candidates,
    text_match,
    text_rank,
    values_any,
)
from galerie.search.cards import ProductCard, product_cards
from galerie.search.listing import (
    entry_value_counts,
    offer_counts_sql,
    offer_passes,
    rating_annotation,
    value_counts_sql,
)
from galerie.search.models import SearchEntry, SearchTerm, SearchValue
from galerie.search.services import PRICE_BANDS
from galerie.storefronts.models import Storefront

EXACT_TITLE_BONUS = 100.0  # an entry whose whole title is the query comes first
SPELLING_MIN_LENGTH = 4  # shorter words are never "corrected"
SPELLING_MIN_SIMILARITY = 0.35  # pg_trgm similarity of a typed word and its correction
PAGE_SIZE = 24
MAX_PAGES = 40  # a ranked list is read from the top: deeper pages are not served
FACET_VALUES = 12  # per facet, the most frequent (the selected ones are always kept)
ATTRIBUTE_FACETS = 6  # attribute facets shown, those covering the most results first
FACETS_CACHE_SECONDS = 120
SUGGEST_CACHE_SECONDS = 60
SUGGESTIONS = {"product": 6, "brand": 3, "category": 3}
SUGGEST_CANDIDATES = 50  # brands and categories whose slug starts with the words, before counting
SUGGEST_RANKED = 100  # products suggested: the best of the newest this many that match
# Relevance ranks, and the facets count, at most this many matching entries: the newest ones.
# A broad word matches tens of thousands of entries; ranking or counting all of them cost
# hundreds of ms per request. Above it the total reads "more than" and the counts are not
# shown (docs/search.md, "Bounded work"). 21 pages of 24: deeper is not served anyway.
CANDIDATES = 500
# On PostgreSQL the candidates are looked for first among the storefront's newest WINDOW
# entries (an index range: bounded work whatever the plan), then, only if fewer are found
# there, among the older ones (the matches' ids, sorted).
WINDOW = 20000

# What the storefront's ranking page tells customers (EU P2B regulation, art. 5).
RANKING = {
    "weights": WEIGHTS,
    "exact_title_bonus": EXACT_TITLE_BONUS,
    "tie_breaks": ("offer_count", "newest"),
}


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    RATING = "rating"  # best rated first (search/listing.py rating_sql), then newest


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A customer's words as the index understands them."""

    typed: str
    words: tuple[str, ...] = ()  # folded, spelling corrected, stop words kept (for display)
    corrected: bool = False  # a word was replaced by its nearest vocabulary word
    gtin: str | None = None  # the query is a GTIN / ISBN
    text_query: TextQuery | None = None  # None: no words, every entry matches

    @property
    def shown(self) -> str:
        return self.gtin or " ".join(self.words)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Chosen facet values: ((name, (value, …)), …), sorted; values of one name are OR-ed."""

    chosen: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def get(self, name: str) -> tuple[str, ...]:
        return next((values for n, values in self.chosen if n == name), ())

    def without(self, name: str, value: str | None = None) -> SearchFilters:
        """Return these filters less one value of ``name`` (every value when ``value`` is None)."""
        kept = []
        for n, values in self.chosen:
            rest = () if n == name and value is None else tuple(v for v in values if n != name or v != value)
            if rest:
                kept.append((n, rest))
        return SearchFilters(tuple(kept))

    def with_value(self, name: str, value: str, *, only: bool = False) -> SearchFilters:
        """Return these filters with ``value`` added to ``name`` (replacing its values if ``only``)."""
        values = (value,) if only else tuple(sorted({*self.get(name), value}))
        return SearchFilters(tuple(sorted([*self.without(name).chosen, (name, values)])))


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    label: str
    count: int | None  # None: not counted (more than CANDIDATES entries to count over)
    selected: bool


@dataclass(frozen=True, slots=True)
class Facet:
    name: str
    label: str  # for attributes, the attribute's name; the web layer names the others
    values: list[FacetValue]
    unit: str = ""


@dataclass(frozen=True, slots=True)
class SearchCounts:
    total: int  # products that pass every filter (CANDIDATES when ``more``)
    facets: list[Facet]
    more: bool = False  # more than ``total`` products pass: the total is a lower bound


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: SearchQuery
    products: list[ProductCard]  # best_price_minor: shipping included, of an offer passing the filters
    total: int
    page: int
    pages: int
    facets: list[Facet]
    more: bool = False  # more than ``total`` products match (SearchCounts.more)


def search_query_parse(*, storefront: Storefront, typed: str, prefix: bool = False) -> SearchQuery:
    """Read what a customer typed: a GTIN/ISBN, or words whose unknown ones are corrected to the
    nearest word of the storefront's vocabulary (trigram similarity). ``prefix``: the last word
    is being typed. One query; when a word is unknown, one more, and one per unknown word if the
    words as typed find nothing."""
    typed = typed.strip()[:200]
    if gtin := text.as_gtin(typed):
        return SearchQuery(typed, (gtin,), gtin=gtin, text_query=TextQuery((gtin,)))
    found = text.words(typed)[:12]
    if not found:
        return SearchQuery(typed)
    language = storefront.default_language
    stop = text.stop_words(language)
    checked = [w for w in found if len(w) >= SPELLING_MIN_LENGTH and not w.isdigit()]
    if prefix and checked and checked[-1] == found[-1]:
        checked.pop()  # the word being typed is completed, not corrected
    known = set(
        SearchTerm.objects.filter(storefront=storefront, word__in=checked).values_list("word", flat=True)
    )

    def stems(chosen: list[str]) -> tuple[str, ...]:
        return tuple(text.stem(w, language) for w in chosen if w not in stop)

    unknown = [w for w in checked if w not in known]
    as_typed = TextQuery(stems(found), prefix_last=prefix)
    if not as_typed.terms:
        return SearchQuery(typed, tuple(found))
    # A word unknown as typed may still match through its stem ("mugs" finds "mug"): correct
    # only when the words as typed find nothing.
    if (
        unknown
        and not SearchEntry.objects.filter(storefront_id=storefront.pk).filter(text_match(as_typed)).exists()
    ):
        final = [(_nearest_word(storefront, w) or w) if w in unknown else w for w in found]
        if final != found and (terms := stems(final)):
            return SearchQuery(typed, tuple(final), True, text_query=TextQuery(terms, prefix_last=prefix))
    return SearchQuery(typed, tuple(found), text_query=as_typed)


def _nearest_word(storefront: Storefront, word: str) -> str | None:
    candidates = term_candidates(storefront_id=storefront.pk, word=word)
    scored = [(text.similarity(word, c), n, c) for c, n in candidates]
    scored = [s for s in scored if s[0] >= SPELLING_MIN_SIMILARITY]
    if not scored:
        return None
    return min(scored, key=lambda s: (-s[0], -s[1], s[2]))[2]


# Facets whose values belong to offers: a filter on several of them holds for one offer.
OFFER_FACETS = ("condition", "seller", "price")


def _value_ids(filters: SearchFilters) -> dict[tuple[str, str], int]:
    """Return the ids of the values chosen (and of the (condition, seller) pairs they make);
    one query, none without filters."""
    wanted = Q()
    for name, values in filters.chosen:
        wanted |= Q(name=name, value__in=values)
    if (conditions := filters.get("condition")) and (sellers := filters.get("seller")):
        wanted |= Q(name="cs", value__in=[f"{c}:{s}" for c in conditions for s in sellers])
    if not wanted:
        return {}
    return {(n, v): pk for pk, n, v in SearchValue.objects.filter(wanted).values_list("pk", "name", "value")}


def _band_range(band: str) -> tuple[int | None, int | None]:
    low, _, high = band.partition("-")
    return int(low), (int(high) - 1 if high else None)


def _offer_filter(filters: SearchFilters, ids: dict[tuple[str, str], int]) -> OfferFilter:
    def of(name: str) -> tuple[int, ...] | None:
        values = filters.get(name)
        return tuple(sorted(ids[(name, v)] for v in values if (name, v) in ids)) if values else None

    return OfferFilter(
        sellers=of("seller"),
        conditions=of("condition"),
        prices=tuple(_band_range(band) for band in filters.get("price")),
    )


def _entries(
    storefront: Storefront,
    query: SearchQuery,
    filters: SearchFilters,
    ids: dict[tuple[str, str], int],
    *,
    exact: bool = True,
) -> QuerySet[SearchEntry]:
    """The entries matching the words and the filters: each product facet through the value
    ids (values of one facet OR-ed); the offer facets narrowed by a value id too, then, with
    ``exact``, one offer must pass all of them (docs/search.md)."""
    entries = SearchEntry.objects.filter(storefront_id=storefront.pk)
    if query.text_query is not None:
        entries = entries.filter(text_match(query.text_query))
    for name, values in filters.chosen:
        if name not in OFFER_FACETS:
            entries = entries.filter(values_any([ids[(name, v)] for v in values if (name, v) in ids]))
    conditions, sellers, bands = filters.get("condition"), filters.get("seller"), filters.get("price")
    if conditions and sellers:
        tokens = [("cs", f"{c}:{s}") for c in conditions for s in sellers]
    elif conditions:
        tokens = [("condition", v) for v in conditions]
    elif sellers:
        tokens = [("seller", v) for v in sellers]
    else:
        tokens = [("price", v) for v in bands]
    # With words, the offer lists alone decide: a broad value ("new": most entries) made the
    # database build a bitmap of every entry taking it before reading a few hundred matches.
    if tokens and (query.text_query is None or not exact):
        entries = entries.filter(values_any([ids[t] for t in tokens if t in ids]))
    offers = _offer_filter(filters, ids)
    if exact and offers.active:
        entries = entries.filter(offers_any(offers))
    return entries


def _bounded(entries: QuerySet[SearchEntry], limit: int = CANDIDATES) -> QuerySet[SearchEntry]:
    """The newest ``limit`` of these entries (all of them when there are fewer), as a subquery:
    a range of an entry index read until it has them, or the matches' ids sorted, whichever the
    database finds cheaper; never a rank or a count of every match."""
    return SearchEntry.objects.filter(pk__in=entries.order_by("-product_id").values("pk")[:limit])


_bounds: dict[int, tuple[int, float]] = {}  # storefront id -> (window bound, read at)
BOUND_SECONDS = 300


def _window_bound(storefront_id: int) -> tuple[str, list]:
    """SQL for the product id of the storefront's WINDOW-th newest entry (0 if it has fewer):
    a number when this process read it less than BOUND_SECONDS ago (PostgreSQL then estimates
    the range), else the subquery that reads it (``_candidates`` keeps what it returns). Any
    value gives the same candidates: the window and the older entries together are all of them."""
    found = _bounds.get(storefront_id)
    if found is not None and time.monotonic() - found[1] <= BOUND_SECONDS:
        return str(int(found[0])), []
    edge = SearchEntry.objects.filter(storefront_id=storefront_id).order_by("-product_id")
    sql, params = edge.values("product_id")[WINDOW - 1 : WINDOW].query.sql_with_params()
    return f"COALESCE(({sql}), 0)", list(params)


def _candidates_sql(storefront: Storefront, entries: QuerySet[SearchEntry], limit: int) -> tuple[str, list]:
    """A statement listing the ids (``pk``) of the newest ``limit`` of these entries, and on
    PostgreSQL the window's bound it used (``bound``).

    PostgreSQL's estimates of a word's matches ignore that words belong to storefronts (a word
    common in one is rare in another): left to choose, it read the entry index newest first
    through a whole storefront for a rare word, or fetched every match of a broad one to sort
    them. So the statement bounds both: the matches among the storefront's newest WINDOW
    entries (a range of an index, whatever the plan), and the older ones' only when those are
    too few (a one-time filter: never run otherwise)."""
    newest = entries.order_by("-product_id")
    if connection.vendor != "postgresql":
        sql, params = newest.values_list("pk", flat=True)[:limit].query.sql_with_params()
        return sql, list(params)
    bound, bound_params = _window_bound(storefront.pk)
    # A number, or the one-row CTE ``b`` that reads it (once, before either part runs).
    edge = bound if not bound_params and bound.isdigit() else "(SELECT bound FROM b)"
    head = "" if edge == bound else f"b AS MATERIALIZED (SELECT {bound} AS bound), "
    recent = newest.filter(product_id__gte=RawSQL(edge, ())).values_list("pk", "product_id")[:limit]
    recent_sql, recent_params = recent.query.sql_with_params()
    # "+ 0": no index gives this order, so the older matches are found through the text and
    # value indexes, then sorted; never by reading the entries index through the storefront.
    older = entries.filter(product_id__lt=RawSQL(edge, ())).order_by((F("product_id") + 0).desc())
    older_sql, older_params = older.values_list("pk", "product_id")[:limit].query.sql_with_params()
    sql = (
        f"WITH {head}w AS MATERIALIZED ({recent_sql}) SELECT pk, {edge} AS bound FROM (SELECT * FROM w"
        f" UNION ALL SELECT * FROM ({older_sql}) o WHERE (SELECT COUNT(*) FROM w) < {int(limit)})"
        f" u(pk, pid) ORDER BY pid DESC LIMIT {int(limit)}"
    )
    return sql, [*bound_params, *recent_params, *older_params]


def _candidates(
    storefront: Storefront, entries: QuerySet[SearchEntry], limit: int = CANDIDATES + 1
) -> list[int]:
    """The ids of the newest ``limit`` of these entries (CANDIDATES + 1: one more tells there
    are more), newest first; one query, bounded work (``_candidates_sql``). Read once, they
    serve the ranking and every count over the same entries."""
    sql, params = _candidates_sql(storefront, entries, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows and len(rows[0]) > 1 and storefront.pk not in _fresh_bounds():
        _bounds[storefront.pk] = (rows[0][1], time.monotonic())
    return [row[0] for row in rows]


def _fresh_bounds() -> set[int]:
    now = time.monotonic()
    return {sid for sid, (_, at) in _bounds.items() if now - at <= BOUND_SECONDS}


def _among(ids: list[int]) -> QuerySet[SearchEntry]:
    return SearchEntry.objects.filter(ids_among(ids))


def _priced(
    storefront: Storefront,
    query: SearchQuery,
    filters: SearchFilters,
    ids: dict[tuple[str, str], int],
    *,
    among: list[int] | None = None,
) -> QuerySet[SearchEntry]:
    """The matching entries with ``price``: the cheapest offer passing the offer filters.
    ``among``: these entries only (ids of matching entries: what relevance ranks)."""
    offers = _offer_filter(filters, ids)
    # Among matching entries, one of whose offers passes: no need to check that again.
    entries = _among(among) if among is not None else _entries(storefront, query, filters, ids, exact=False)
    if offers.active:
        entries = entries.annotate(price=offer_best_price(offers))
        return entries if among is not None else entries.filter(price__isnull=False)
    return entries.annotate(price=F("best_price_minor"))


def _ordered(entries: QuerySet[SearchEntry], query: SearchQuery, sort: SearchSort) -> QuerySet[SearchEntry]:
    if sort == SearchSort.PRICE_ASC:
        return entries.order_by("price", "product_id")
    if sort == SearchSort.PRICE_DESC:
        return entries.order_by("-price", "-product_id")
    if sort == SearchSort.RATING:
        return entries.annotate(rating=rating_annotation()).order_by("-rating", "-product_id")
    if sort == SearchSort.NEWEST or query.text_query is None:
        return entries.order_by("-created_at", "-product_id")
    key = " ".join(query.text_query.terms)  # the title holds exactly these terms
    score = text_rank(query.text_query) + Case(
        When(title_key=key, then=Value(EXACT_TITLE_BONUS)), default=Value(0.0), output_field=FloatField()
    )
    return entries.annotate(score=score).order_by("-score", "-offer_count", "-product_id")


def search_page(
    *,
    storefront: Storefront,
    query: SearchQuery,
    filters: SearchFilters = SearchFilters(),
    sort: SearchSort = SearchSort.RELEVANCE,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """Return one page of the storefront's products matching ``query`` and ``filters``, with the
    facets of the results (disjunctive: a facet's counts ignore its own filter). Condition,
    seller and price filters hold for one offer, whose price (shipping included) the product
    shows. A fixed number of queries: the facets and the total (cached), the chosen values'
    ids, the page, its products' cards."""
    ids = _value_ids(filters)
    # Relevance ranks the newest CANDIDATES matches; the other sorts read an index in their
    # order (price, newest) and stop at the page: exact over every match.
    ranked = sort == SearchSort.RELEVANCE and query.text_query is not None
    candidates = _candidates(storefront, _entries(storefront, query, filters, ids)) if ranked else None
    counted = search_facets(
        storefront=storefront, query=query, filters=filters, ids=ids, candidates=candidates
    )
    offers = _offer_filter(filters, ids)
    total = counted.total
    pages = max(1, min(MAX_PAGES, -(-total // page_size)))
    page = max(1, min(page, pages))
    among = candidates[:CANDIDATES] if candidates is not None else None
    if among is not None and candidates is not None and len(candidates) > CANDIDATES and query.text_query:
        # Beyond the newest CANDIDATES matches, a product whose whole title is the query still
        # comes first ("dune" among a thousand products that mention it): the entries with that
        # title key, read through their (storefront, title_key) index.
        key = " ".join(query.text_query.terms)
        exact = _entries(storefront, query, filters, ids).filter(title_key=key).order_by("-product_id")
        among = list(dict.fromkeys([*exact.values_list("pk", flat=True)[:page_size], *among]))
    rows = list(
        _ordered(_priced(storefront, query, filters, ids, among=among), query, sort).values_list(  # type: ignore[misc]
            "product_id", "price", "offer_count", "offer_sellers", "offer_conditions", "offer_prices"
        )[(page - 1) * page_size : page * page_size]
    )
    shown = []
    for product_id, best, count, sellers, conditions, prices in rows:
        if offers.active:
            count = sum(offer_passes(offers, *o) for o in zip(sellers, conditions, prices, strict=True))
        shown.append((product_id, best, count))
    # The cards' fields in one plain query (search/cards.py), as the category page reads them.
    return SearchPage(query, product_cards(shown), total, page, pages, counted.facets, counted.more)


def search_facets(
    *,
    storefront: Storefront,
    query: SearchQuery,
    filters: SearchFilters,
    cache_seconds: int = FACETS_CACHE_SECONDS,
    ids: dict[tuple[str, str], int] | None = None,
    candidates: list[int] | None = None,
) -> SearchCounts:
    """Return the number of results and the facets with their counts, cached ``cache_seconds``
    (counts are hints: they may lag the results by that much).

    One pass over the value ids of the matching entries (every entry takes the "all" value:
    the total), plus one per product facet with a value chosen and one per offer facet
    (condition, seller, price) when offer filters apply — over the entries' offers, so that
    these counts are exact per offer; then the labels of the categories and attributes found.
    """
    use_cache = cache_seconds and not cache_bypassed()
    # Keyed on the storefront's listing version (core/surrogates.py): counts computed before
    # the index changed (a suspended seller's offers left it) are not served again.
    version = surrogates.versions([surrogates.key("listing", storefront.pk)]) if use_cache else None
    key = (
        "search-facets:"
        + sha1(repr((storefront.pk, query.text_query, filters, version)).encode()).hexdigest()
    )
    if use_cache and (found := cache.get(key)) is not None:
        return found
    ids = _value_ids(filters) if ids is None else ids  # the chosen values' ids, if read already
    offers = _offer_filter(filters, ids)
    chosen = [name for name, _ in filters.chosen]
    product_chosen = [n for n in chosen if n not in OFFER_FACETS]
    skipped = [*product_chosen, *(OFFER_FACETS if offers.active else ()), "cs"]
    # Each pass counts over the newest CANDIDATES + 1 entries it has: exact when it has no
    # more, and then only. Those of every filter are read once (the ranking's, if read
    # already); those of a facet with a chosen value are a part of the counting statement (p0,
    # p1 …) whose size is counted too: one statement for every count, whatever the filters.
    if candidates is None:
        candidates = _candidates(storefront, _entries(storefront, query, filters, ids))
    main = _among(candidates)
    ctes: list[tuple[str, list]] = []
    passes: list[str] = []

    def apart(name: str, others: SearchFilters) -> QuerySet[SearchEntry]:
        sql, params = _candidates_sql(storefront, _entries(storefront, query, others, ids), CANDIDATES + 1)
        materialized = " MATERIALIZED" if connection.vendor == "postgresql" else ""
        columns = "pk, bound" if connection.vendor == "postgresql" else "pk"
        ctes.append((f"p{len(passes)}({columns}) AS{materialized} ({sql})", params))
        passes.append(name)
        return SearchEntry.objects.filter(
            EntrySQL(f"{{entry}}.id IN (SELECT pk FROM p{len(passes) - 1})", [], BooleanField())
        )

    parts = value_counts_sql(main, exclude=skipped)
    for name in product_chosen:
        parts += value_counts_sql(apart(name, filters.without(name)), names=[name])
    if offers.active:
        # The offer facets without a chosen value share the same filters.
        shared = [name for name in OFFER_FACETS if name not in chosen]
        if shared:
            parts += offer_counts_sql(main, offers, shared, bands=PRICE_BANDS)
        for name in OFFER_FACETS:
            if name in shared:
                continue
            others = filters.without(name)
            entries = apart(name, others)
            if _offer_filter(others, ids).active:
                parts += offer_counts_sql(entries, _offer_filter(others, ids), [name], bands=PRICE_BANDS)
            else:
                parts += value_counts_sql(entries, names=[name])
    parts += [(f"SELECT '#size', '{n}', '', COUNT(*) FROM p{n}", []) for n in range(len(passes))]
    sql = " UNION ALL ".join(part for part, _ in parts)
    if ctes:
        sql = "WITH " + ", ".join(cte for cte, _ in ctes) + " " + sql
    counts: dict[str, dict[str, tuple[str, int]]] = {}
    with connection.cursor() as cursor:  # every count in one statement, whatever the filters
        cursor.execute(sql, [p for _, params in [*ctes, *parts] for p in params])
        for name, value, label, n in cursor.fetchall():
            counts.setdefault(name, {})[value] = (label, n)
    sizes = counts.pop("#size", {})
    total = counts.pop("all", {}).get("", ("", 0))[1]
    more = total > CANDIDATES
    # A facet counted over more than CANDIDATES entries shows its values (the most frequent
    # among those entries first), not counts: they would be those of a part of the results.
    uncounted = {name for name in counts if name not in passes} if more else set()
    uncounted |= {name for n, name in enumerate(passes) if sizes.get(str(n), ("", 0))[1] > CANDIDATES}
    result = SearchCounts(
        min(total, CANDIDATES), _facets_labelled(storefront.pk, counts, filters, uncounted), more
    )
    if use_cache:
        cache.set(key, result, cache_seconds)
    return result


def _top(
    values: dict[str, tuple[str, int]],
    selected: tuple[str, ...],
    *,
    limit: int = FACET_VALUES,
    counted: bool = True,
):
    # A chosen value that matches nothing now is still shown (count 0), so it can be removed.
    values = {**{v: (v, 0) for v in selected}, **values}
    ranked = sorted(values.items(), key=lambda item: (-item[1][1], item[1][0], item[0]))
    kept = [item for item in ranked if item[0] in selected] + [i for i in ranked if i[0] not in selected][
        :limit
    ]
    return [FacetValue(value, label, n if counted else None, value in selected) for value, (label, n) in kept]


def _facets_labelled(
    storefront_id: int,
    counts: dict[str, dict[str, tuple[str, int]]],
    filters: SearchFilters,
    uncounted: Collection[str] = (),
) -> list[Facet]:
    facets = []
    if (categories := counts.get("category", {})) or filters.get("category"):
        facets.append(_category_facet(categories, filters.get("category"), "category" not in uncounted))
    for name in ("price", "condition", "brand", "seller"):
        if (values := counts.get(name, {})) or filters.get(name):
            ordered = sorted(values) if name == "price" else None
            top = _top(
                values,
                filters.get(name),
                limit=len(values) if ordered else FACET_VALUES,
                counted=name not in uncounted,
            )
            if ordered:
                top.sort(key=lambda v: int(v.value.split("-")[0]))
            facets.append(Facet(name, "", top))
    attribute_names = sorted(
        (n for n in counts if n.startswith("a:") and (len(counts[n]) > 1 or filters.get(n))),
        key=lambda n: (-sum(c for _, c in counts[n].values()), n),
    )[:ATTRIBUTE_FACETS]
    chosen_attributes = [n for n, _ in filters.chosen if n.startswith("a:") and n not in attribute_names]
    names = attribute_names + chosen_attributes
    definitions = _attribute_names(storefront_id, [n[2:] for n in names]) if names else {}
    for name in names:
        label, unit = definitions.get(name[2:], (name[2:], ""))
        facets.append(
            Facet(
                name,
                label,
                _top(counts.get(name, {}), filters.get(name), counted=name not in uncounted),
                unit,
            )
        )
    return facets


def _attribute_names(storefront_id: int, codes: list[str]) -> dict[str, tuple[str, str]]:
    """Return the name and unit of each attribute code. One code may be defined by several
    product types ("format" of books, of films): the name shown is that of a type the storefront
    lists (the first by id), else the first defined. One query, two when names differ."""
    defined: dict[str, list[tuple[int, str, str]]] = {}
    for code, product_type, name, unit in (
        AttributeDefinition.objects.filter(code__in=codes)
        .order_by("pk")
        .values_list("code", "product_type_id", "name", "unit")
    ):
        defined.setdefault(code, []).append((product_type, name, unit))
    if any(len({(n, u) for _, n, u in found}) > 1 for found in defined.values()):
        listed = _listed_types(storefront_id)
        for found in defined.values():
            found.sort(key=lambda d: d[0] not in listed)  # stable: by id within each group
    return {code: (found[0][1], found[0][2]) for code, found in defined.items()}


def _listed_types(storefront_id: int) -> set[int]:
    """Return the product types of the storefront's entries: one probe of the (storefront,
    product type) index per type (a loose index scan). As ``EXISTS`` per attribute definition,
    PostgreSQL scanned the whole table for a type common elsewhere and absent here."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE t(id) AS ("
            " SELECT MIN(product_type_id) FROM search_searchentry WHERE storefront_id = %s"
            " UNION ALL SELECT (SELECT MIN(e.product_type_id) FROM search_searchentry e"
            " WHERE e.storefront_id = %s AND e.product_type_id > t.id) FROM t WHERE t.id IS NOT NULL"
            ") SELECT id FROM t WHERE id IS NOT NULL",
            [storefront_id, storefront_id],
        )
        return {row[0] for row in cursor.fetchall()}


def _category_facet(values: dict[str, tuple[str, int]], selected: tuple[str, ...], counted: bool) -> Facet:
    """The categories one level below the chosen one (or the shallowest found), and the chosen."""
    names = [*values, *selected]
    # (slug, name, path, depth) tuples: model instances cost more than the rest of this facet.
    found = {
        c[0]: c for c in Category.objects.filter(slug__in=names).values_list("slug", "name", "path", "depth")
    }
    values = {**{slug: (name, 0) for slug, name, _, _ in found.values()}, **values}
    chosen = found.get(selected[0]) if selected else None
    if chosen is not None:
        below = [c for c in found.values() if c[3] == chosen[3] + 1 and c[2].startswith(chosen[2])]
        shown = [chosen, *below]
    else:
        depth = min((c[3] for c in found.values()), default=0)
        shown = [c for c in found.values() if c[3] == depth]
    return Facet(
        "category",
        "",
        _top({c[0]: values[c[0]] for c in shown}, selected, limit=30, counted=counted),
    )


@dataclass(frozen=True, slots=True)
class Suggestions:
    typed: str
    products: list[tuple[str, str]]  # (title, slug)
    brands: list[tuple[str, str]]  # (name, slug)
    categories: list[tuple[str, str]]  # (name, slug)


def search_suggest(
    *, storefront: Storefront, typed: str, cache_seconds: int = SUGGEST_CACHE_SECONDS
) -> Suggestions:
    """Return what to suggest as the customer types: products whose words start like theirs,
    brands and categories whose names do. At most five queries; none for the same words in the
    same storefront within ``cache_seconds`` (many customers type the same first letters)."""
    key = "search-suggest:" + sha1(repr((storefront.pk, " ".join(text.words(typed)))).encode()).hexdigest()
    return replace(cached(key, lambda: _suggest(storefront, typed), cache_seconds), typed=typed)


def _suggest(storefront: Storefront, typed: str) -> Suggestions:
    query = search_query_parse(storefront=storefront, typed=typed, prefix=True)
    if query.text_query is None:
        return Suggestions(typed, [], [], [])
    # The best of the newest matches: a prefix of two letters matches most entries.
    among = _candidates(storefront, _entries(storefront, query, SearchFilters(), {}), SUGGEST_RANKED)
    entries = _ordered(_among(among), query, SearchSort.RELEVANCE)
    products = list(entries.values_list("product__title", "product__slug")[: SUGGESTIONS["product"]])
    prefix = slugify(" ".join(query.words))
    named: dict[str, list[tuple[str, str]]] = {"brand": [], "category": []}
    if len(prefix) >= 2:
        # A range as well as the prefix: a B-tree range scan whatever the database's collation.
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        candidates = dict(
            SearchValue.objects.filter(name__in=named, value__gte=prefix, value__lt=after)
            .filter(value__startswith=prefix)
            .order_by("value")
            .values_list("pk", "name")[:SUGGEST_CANDIDATES]
        )
        if candidates:
            # How many of the storefront's products take each, counted over its newest
            # SUGGEST_RANKED entries taking one: those it lists none of drop out.
            listed = _bounded(
                SearchEntry.objects.filter(storefront_id=storefront.pk).filter(values_any(list(candidates))),
                SUGGEST_RANKED,
            )
            counts = entry_value_counts(listed, names=list(named))
            ranked = sorted(
                ((name, value, label, n) for (name, value), (label, n) in counts.items()),
                key=lambda row: (-row[3], row[2]),
            )
            for name, value, label, _n in ranked:
                if value.startswith(prefix) and len(named[name]) < SUGGESTIONS[name]:
                    named[name].append((label, value))
    return Suggestions(typed, products, named["brand"], named["category"])
