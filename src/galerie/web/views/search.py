"""Storefront search: the results page, the suggestions as the customer types, the ranking page.

Thin: read the query string leniently (unknown names and values are dropped), call the
search selectors, render. Every facet value is a link: a filtered search can be shared and
crawled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from galerie.core.money import Money
from galerie.search.selectors import (
    ATTRIBUTE_FACETS,
    MAX_PAGES,
    RANKING,
    SearchFilters,
    SearchSort,
    search_page,
    search_query_parse,
    search_suggest,
)
from galerie.search.services import PRICE_BANDS
from galerie.storefronts.closure import sells_on
from galerie.web.page_cache import shared_page
from galerie.web.replica_reads import replica_reads
from galerie.web.requests import StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.views.storefront import CONDITION_LABELS, not_selling_page, storefront_page

MAX_VALUES = 20  # per facet; a longer list is cut, not refused
VALUE = re.compile(r"[^\x00-\x1f]{1,140}")
ATTRIBUTE = re.compile(r"a:[-a-z0-9_]{1,60}")
PRICE_BAND = re.compile(r"\d{1,12}-\d{0,12}")
FIXED_FACETS = ("category", "brand", "seller", "condition", "price")

SORT_LABELS = {
    SearchSort.RELEVANCE: gettext_lazy("Relevance"),
    SearchSort.PRICE_ASC: gettext_lazy("Price: low to high"),
    SearchSort.PRICE_DESC: gettext_lazy("Price: high to low"),
    SearchSort.RATING: gettext_lazy("Best rated"),
    SearchSort.NEWEST: gettext_lazy("Newest"),
}
FACET_LABELS = {
    "category": gettext_lazy("Category"),
    "brand": gettext_lazy("Brand"),
    "seller": gettext_lazy("Seller"),
    "condition": gettext_lazy("Condition"),
    "price": gettext_lazy("Price, shipping included"),
}


@dataclass(frozen=True)
class SearchParams:
    """The search page's query string: words, chosen facet values, sort and page."""

    typed: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SearchSort = SearchSort.RELEVANCE
    page: int = 1

    @classmethod
    def read(cls, params: QueryDict) -> SearchParams:
        chosen = []
        names = [n for n in params if n in FIXED_FACETS or ATTRIBUTE.fullmatch(n)][: ATTRIBUTE_FACETS + 8]
        for name in sorted(names):
            values = sorted({v for v in params.getlist(name)[: MAX_VALUES * 2] if VALUE.fullmatch(v)})
            if name == "category":
                values = values[:1]  # one category at a time: its subtree
            elif name == "price":
                values = [v for v in values if PRICE_BAND.fullmatch(v)]
            elif name == "condition":
                values = [v for v in values if v in CONDITION_LABELS]
            if values:
                chosen.append((name, tuple(values[:MAX_VALUES])))
        sort = next((s for s in SearchSort if s.value == params.get("sort")), SearchSort.RELEVANCE)
        page = params.get("page", "1")
        page_number = int(page) if page.isascii() and page.isdigit() and len(page) < 4 else 1
        return cls(
            params.get("q", "")[:200], SearchFilters(tuple(chosen)), sort, max(1, min(page_number, MAX_PAGES))
        )

    def link(
        self, *, filters: SearchFilters | None = None, sort: SearchSort | None = None, page: int = 1
    ) -> str:
        """Return this search's query string with other filters, sort or page (``urlencode``'s)."""
        pairs = [_pair("q", self.typed)] if self.typed else []
        for name, values in (self.filters if filters is None else filters).chosen:
            pairs += [_pair(name, v) for v in values]
        chosen_sort = self.sort if sort is None else sort
        if chosen_sort != SearchSort.RELEVANCE:
            pairs.append(_pair("sort", chosen_sort.value))
        if page > 1:
            pairs.append(f"page={page}")
        return "?" + "&".join(pairs)


@lru_cache(maxsize=4096)
def _pair(name: str, value: str) -> str:
    # A results page links to sixty other searches that share most of their pairs: each pair is
    # quoted once (urlencode quoted every pair of every link: a millisecond per page).
    return urlencode([(name, value)])


def _price_label(value: str, currency: str, language: str) -> str:
    low, _, high = value.partition("-")
    if not high:
        return gettext("%(price)s and more") % {"price": Money(int(low), currency).format(language)}
    return f"{Money(int(low), currency).format(language)} – {Money(int(high), currency).format(language)}"


def _facet_views(page, params: SearchParams, currency: str, language: str) -> list[dict]:
    """The facets as the template shows them: a title, and each value with its link."""
    shown = []
    for facet in page.facets:
        values = []
        for v in facet.values:
            if facet.name == "condition":
                label = CONDITION_LABELS.get(v.value, v.value)
            elif facet.name == "price":
                label = _price_label(v.value, currency, language)
            elif v.label in ("true", "false"):
                label = gettext("Yes") if v.label == "true" else gettext("No")
            else:
                label = f"{v.label} {facet.unit}".strip()
            if v.selected:
                filters = params.filters.without(facet.name, v.value)
            else:
                filters = params.filters.with_value(facet.name, v.value, only=facet.name == "category")
            values.append(
                {
                    "label": label,
                    "count": v.count,
                    "selected": v.selected,
                    "url": params.link(filters=filters),
                }
            )
        title = FACET_LABELS.get(facet.name) or facet.label
        shown.append({"name": facet.name, "title": title, "values": values})
    return shown


@replica_reads
@shared_page(listing=True)
@storefront_page
def search(request: StorefrontRequest) -> HttpResponse:
    if (closed := not_selling_page(request)) is not None:
        return closed
    storefront = request.storefront
    params = SearchParams.read(request.GET)
    if not params.typed.strip() and not params.filters.chosen:
        return redirect(sf_reverse(request, "home"))  # nothing asked: the storefront's home
    query = search_query_parse(storefront=storefront, typed=params.typed)
    page = search_page(
        storefront=storefront, query=query, filters=params.filters, sort=params.sort, page=params.page
    )
    facets = _facet_views(page, params, storefront.currency, request.LANGUAGE_CODE)
    active = [
        {"title": f["title"], "label": v["label"], "url": v["url"]}
        for f in facets
        for v in f["values"]
        if v["selected"]
    ]
    return render(
        request,
        "galerie/storefront/search.html",
        {
            "params": params,
            "search_typed": params.typed,
            "shipping_included": True,  # the cards' prices (product_card)
            "query": query,
            "page": page,
            "facets": facets,
            "active_filters": active,
            "clear_url": params.link(filters=SearchFilters()),
            "sorts": [
                (label, params.link(sort=value), value == params.sort) for value, label in SORT_LABELS.items()
            ],
            "prev_url": params.link(page=page.page - 1) if page.page > 1 else "",
            "next_url": params.link(page=page.page + 1) if page.page < page.pages else "",
        },
    )


@replica_reads
@shared_page(listing=True)
@storefront_page
def suggest(request: StorefrontRequest) -> HttpResponse:
    typed = request.GET.get("q", "")[:200]
    suggestions = (
        search_suggest(storefront=request.storefront, typed=typed)
        if len(typed.strip()) >= 2 and sells_on(request.storefront)  # none from its closing date
        else None
    )
    response = render(request, "galerie/storefront/search_suggest.html", {"suggestions": suggestions})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@storefront_page
def ranking(request: StorefrontRequest) -> HttpResponse:
    storefront = request.storefront
    bands = [
        _price_label(f"{low}-{high}", storefront.currency, request.LANGUAGE_CODE)
        for low, high in zip((0, *PRICE_BANDS), PRICE_BANDS, strict=False)
    ]
    return render(
        request,
        "galerie/storefront/ranking.html",
        {"ranking": RANKING, "weights": RANKING["weights"], "bands": bands},
    )
