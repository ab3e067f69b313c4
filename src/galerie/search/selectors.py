"""Reads of the search index: a storefront's search results with their facets, and suggestions.

Everything here reads ``SearchEntry`` and ``SearchFacet`` rows of one storefront: products
that are published, in its scope and have a sellable offer there. Ranking: see ``RANKING``
and docs/search.md; the storefront's public ranking page is generated from the same constants.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from hashlib import sha1

from django.core.cache import cache
from django.db.models import Case, Count, Exists, FloatField, OuterRef, QuerySet, Value, When
from django.utils.text import slugify

from galerie.catalog.models import AttributeDefinition, Category, Product
from galerie.search import text
from galerie.search.backends import WEIGHTS, TextQuery, term_candidates, text_match, text_rank
from galerie.search.listing import attach_first_images
from galerie.search.models import SearchEntry, SearchFacet, SearchTerm
from galerie.sellers.selectors import sellers_cache_version
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
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class Facet:
    name: str
    label: str  # for attributes, the attribute's name; the web layer names the others
    values: list[FacetValue]
    unit: str = ""


@dataclass(frozen=True, slots=True)
class SearchCounts:
    total: int  # products that pass every filter
    facets: list[Facet]


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: SearchQuery
    products: list[Product]  # each with best_price_minor (shipping included), offer_count, first_image
    total: int
    page: int
    pages: int
    facets: list[Facet]


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


def _entries(storefront: Storefront, query: SearchQuery, filters: SearchFilters) -> QuerySet[SearchEntry]:
    entries = SearchEntry.objects.filter(storefront_id=storefront.pk)
    if query.text_query is not None:
        entries = entries.filter(text_match(query.text_query))
    for name, values in filters.chosen:
        entries = entries.filter(
            Exists(SearchFacet.objects.filter(entry_id=OuterRef("pk"), name=name, value__in=values))
        )
    return entries


def _ordered(entries: QuerySet[SearchEntry], query: SearchQuery, sort: SearchSort) -> QuerySet[SearchEntry]:
    if sort == SearchSort.PRICE_ASC:
        return entries.order_by("best_price_minor", "product_id")
    if sort == SearchSort.PRICE_DESC:
        return entries.order_by("-best_price_minor", "-product_id")
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
    facets of the results (disjunctive: a facet's counts ignore its own filter). A fixed number
    of queries: the facets and the total (cached), the page, its products and images."""
    counted = search_facets(storefront=storefront, query=query, filters=filters)
    entries = _entries(storefront, query, filters)
    total = counted.total
    pages = max(1, min(MAX_PAGES, -(-total // page_size)))
    page = max(1, min(page, pages))
    rows = list(
        _ordered(entries, query, sort).values_list("product_id", "best_price_minor", "offer_count")[
            (page - 1) * page_size : page * page_size
        ]
    )
    found = Product.objects.select_related("brand").in_bulk([r[0] for r in rows])
    products = []
    for product_id, best, count in rows:
        if (product := found.get(product_id)) is not None:
            # Display values for the template, set on the rows: not fields of Product.
            product.best_price_minor, product.offer_count = best, count  # type: ignore[attr-defined]
            products.append(product)
    attach_first_images(products)
    return SearchPage(query, products, total, page, pages, counted.facets)


def search_facets(
    *,
    storefront: Storefront,
    query: SearchQuery,
    filters: SearchFilters,
    cache_seconds: int = FACETS_CACHE_SECONDS,
) -> SearchCounts:
    """Return the number of results and the facets with their counts, cached ``cache_seconds``
    (counts are hints: they may lag the results by that much).

    One GROUP BY over the facet rows of the matching entries (every entry has an "all" row: the
    total), plus one per facet that has a value chosen; then the labels of the categories and
    attributes found.
    """
    # Keyed on the sellers' version too: a suspended seller leaves the seller facet at once.
    version = sellers_cache_version()
    key = (
        "search-facets:"
        + sha1(repr((storefront.pk, query.text_query, filters, version)).encode()).hexdigest()
    )
    if cache_seconds and (cached := cache.get(key)) is not None:
        return cached
    chosen = [name for name, _ in filters.chosen]
    counts: dict[str, dict[str, tuple[str, int]]] = {}
    groups = [(None, filters)] + [(name, filters.without(name)) for name in chosen]
    for name, applied in groups:
        rows = SearchFacet.objects.filter(entry__in=_entries(storefront, query, applied).values("pk"))
        rows = rows.exclude(name__in=chosen) if name is None else rows.filter(name=name)
        for row in rows.values("name", "value", "label").annotate(n=Count("entry_id")).order_by():
            counts.setdefault(row["name"], {})[row["value"]] = (row["label"], row["n"])
    total = counts.pop("all", {}).get("", ("", 0))[1]
    result = SearchCounts(total, _facets_labelled(storefront.pk, counts, filters))
    if cache_seconds:
        cache.set(key, result, cache_seconds)
    return result


def _top(values: dict[str, tuple[str, int]], selected: tuple[str, ...], *, limit: int = FACET_VALUES):
    # A chosen value that matches nothing now is still shown (count 0), so it can be removed.
    values = {**{v: (v, 0) for v in selected}, **values}
    ranked = sorted(values.items(), key=lambda item: (-item[1][1], item[1][0], item[0]))
    kept = [item for item in ranked if item[0] in selected] + [i for i in ranked if i[0] not in selected][
        :limit
    ]
    return [FacetValue(value, label, n, value in selected) for value, (label, n) in kept]


def _facets_labelled(
    storefront_id: int, counts: dict[str, dict[str, tuple[str, int]]], filters: SearchFilters
) -> list[Facet]:
    facets = []
    if (categories := counts.get("category", {})) or filters.get("category"):
        facets.append(_category_facet(categories, filters.get("category")))
    for name in ("price", "condition", "brand", "seller"):
        if (values := counts.get(name, {})) or filters.get(name):
            ordered = sorted(values) if name == "price" else None
            top = _top(values, filters.get(name), limit=len(values) if ordered else FACET_VALUES)
            if ordered:
                top.sort(key=lambda v: int(v.value.split("-")[0]))
            facets.append(Facet(name, "", top))
    attribute_names = sorted(
        (n for n in counts if n.startswith("a:") and (len(counts[n]) > 1 or filters.get(n))),
        key=lambda n: (-sum(c for _, c in counts[n].values()), n),
    )[:ATTRIBUTE_FACETS]
    chosen_attributes = [n for n, _ in filters.chosen if n.startswith("a:") and n not in attribute_names]
    names = attribute_names + chosen_attributes
    # One code may be defined by several product types ("format" of books, of films): the name
    # shown is that of a type the storefront lists.
    listed = SearchEntry.objects.filter(
        storefront_id=storefront_id, product_type_id=OuterRef("product_type_id")
    )
    definitions: dict[str, AttributeDefinition] = {}
    for definition in (
        AttributeDefinition.objects.filter(code__in=[n[2:] for n in names])
        .annotate(listed=Exists(listed))
        .order_by("-listed", "pk")
    ):
        definitions.setdefault(definition.code, definition)
    for name in names:
        known = definitions.get(name[2:])
        label = known.name if known else name[2:]
        facets.append(
            Facet(
                name,
                label,
                _top(counts.get(name, {}), filters.get(name)),
                known.unit if known else "",
            )
        )
    return facets


def _category_facet(values: dict[str, tuple[str, int]], selected: tuple[str, ...]) -> Facet:
    """The categories one level below the chosen one (or the shallowest found), and the chosen."""
    names = [*values, *selected]
    found = {c.slug: c for c in Category.objects.filter(slug__in=names).only("slug", "name", "path", "depth")}
    values = {**{c.slug: (c.name, 0) for c in found.values()}, **values}
    chosen = found.get(selected[0]) if selected else None
    if chosen is not None:
        below = [c for c in found.values() if c.depth == chosen.depth + 1 and c.path.startswith(chosen.path)]
        shown = [chosen, *below]
    else:
        depth = min((c.depth for c in found.values()), default=0)
        shown = [c for c in found.values() if c.depth == depth]
    return Facet(
        "category",
        "",
        _top({c.slug: values[c.slug] for c in shown}, selected, limit=30),
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
    if cache_seconds and (cached := cache.get(key)) is not None:
        return replace(cached, typed=typed)
    suggestions = _suggest(storefront, typed)
    if cache_seconds:
        cache.set(key, suggestions, cache_seconds)
    return suggestions


def _suggest(storefront: Storefront, typed: str) -> Suggestions:
    query = search_query_parse(storefront=storefront, typed=typed, prefix=True)
    if query.text_query is None:
        return Suggestions(typed, [], [], [])
    entries = _ordered(_entries(storefront, query, SearchFilters()), query, SearchSort.RELEVANCE)
    products = list(entries.values_list("product__title", "product__slug")[: SUGGESTIONS["product"]])
    prefix = slugify(" ".join(query.words))
    named: dict[str, list[tuple[str, str]]] = {"brand": [], "category": []}
    for name in named if len(prefix) >= 2 else ():
        # A range as well as the prefix: a B-tree range scan whatever the database's collation.
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = (
            SearchFacet.objects.filter(
                storefront_id=storefront.pk, name=name, value__gte=prefix, value__lt=after
            )
            .filter(value__startswith=prefix)
            .values("value", "label")
            .annotate(n=Count("entry_id"))
            .order_by("-n", "label")
        )
        named[name] = [(row["label"], row["value"]) for row in rows[: SUGGESTIONS[name]]]
    return Suggestions(typed, products, named["brand"], named["category"])
