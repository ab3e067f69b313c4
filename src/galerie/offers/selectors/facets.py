"""The facets of a category listing: its filter options (brands, conditions, sellers) with their
product counts, and the listing's total.

Facets are disjunctive: a facet's counts apply every filter except its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from hashlib import sha1
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Case, Count, Func, IntegerField, Q, QuerySet, Value, When

from galerie.core.caching import cache_bypassed
from galerie.offers.models import Condition, Offer
from galerie.offers.selectors.listing import ProductFilters, _offers_matching, _products_listed, _seller_ids
from galerie.offers.selectors.sellable import _sellers_admitted
from galerie.sellers.selectors import sellers_cache_version
from galerie.storefronts.models import Storefront


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
    if cache_seconds and not cache_bypassed():
        ids = None if category_ids is None else sorted(category_ids)
        # Keyed on the sellers' version too: a suspended seller leaves the seller facet at once.
        version = sellers_cache_version()
        key = "facets:" + sha1(repr((storefront.pk, ids, filters, limit, version)).encode()).hexdigest()
        if (cached := cache.get(key)) is None:
            cached = storefront_product_facets(
                storefront, category_ids=category_ids, filters=filters, limit=limit
            )
            cache.set(key, cached, cache_seconds)
        return cached
    admitted = _sellers_admitted(storefront)

    def grouped(without: str, *fields: str) -> QuerySet:
        cleared: dict[str, Any] = {without: ()}  # one of the tuple fields
        others = replace(filters, **cleared)
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
    # A condition's label is a lazy translation, kept lazy (the result is cached across
    # languages): it renders as text.
    conditions = [
        FacetOption(value, cast(str, label), condition_rows.get(value, 0), value in filters.conditions)
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
