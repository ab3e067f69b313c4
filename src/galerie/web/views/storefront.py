"""Storefront pages: home, category, product, seller shop. Thin: resolve, select, render."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext, gettext_lazy

from galerie.core.money import Money, MoneyError
from galerie.core.surrogates import key
from galerie.offers.models import Condition
from galerie.offers.selectors import (
    storefront_category_page_get,
    storefront_departments,
)
from galerie.offers.selectors.product_page import product_page_offers, storefront_product_page_get
from galerie.pricing.shipping import LOI_LANG_COUNTRY, ShippingRule, loi_lang_applies
from galerie.reviews.selectors import product_reviews_block
from galerie.search.home import home_deals, home_featured_categories, home_newest
from galerie.search.listing import Cursor, ProductFilters, ProductSort, listing_facets, listing_page
from galerie.sellers.selectors import seller_get_public
from galerie.storefronts.closure import sells_on
from galerie.storefronts.selectors import storefronts_selling_others
from galerie.web.page_cache import page_keys, shared_page
from galerie.web.replica_reads import replica_reads
from galerie.web.requests import StorefrontRequest
from galerie.web.views.decorators import storefront_home_url, storefront_view

PAGE_SIZE = 24
HOME_PRODUCTS = 10
HOME_DEALS = 5
FACETS_CACHE_SECONDS = 120  # the same counts serve every page of a listing
MAX_VALUES = 20  # per filter; a longer list is cut, not refused
MAX_PRICE_MINOR = 10**12
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,140}")

SORT_LABELS = {
    ProductSort.NEWEST: gettext_lazy("Newest"),
    ProductSort.PRICE_ASC: gettext_lazy("Price: low to high"),
    ProductSort.PRICE_DESC: gettext_lazy("Price: high to low"),
    ProductSort.RATING: gettext_lazy("Best rated"),
}
CONDITION_LABELS = {
    Condition.NEW.value: gettext_lazy("New"),
    Condition.LIKE_NEW.value: gettext_lazy("Like new"),
    Condition.REFURBISHED.value: gettext_lazy("Refurbished"),
    Condition.USED.value: gettext_lazy("Used"),
}


@dataclass(frozen=True)
class ListingQuery:
    """A category page's query string, read leniently: unknown values are dropped, and a price
    that cannot be read is reported in ``errors`` and not applied."""

    path: str
    currency: str
    filters: ProductFilters = field(default_factory=ProductFilters)
    sort: ProductSort = ProductSort.NEWEST
    after: Cursor | None = None
    before: Cursor | None = None
    price_inputs: dict[str, str] = field(default_factory=dict)  # what the price fields show back
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message

    @classmethod
    def read(cls, params: QueryDict, *, path: str, currency: str) -> ListingQuery:
        sort = next((s for s in ProductSort if s.value == params.get("sort")), ProductSort.NEWEST)
        errors: dict[str, str] = {}
        low = _read_price(params.get("price_min", ""), currency, "price_min", errors)
        high = _read_price(params.get("price_max", ""), currency, "price_max", errors)
        if low is not None and high is not None and low > high:
            errors["price_max"] = gettext(
                "The highest price is below the lowest price, so the price filter was not applied."
            )
            low = high = None
        filters = ProductFilters(
            brands=_values(params.getlist("brand"), SLUG.fullmatch),
            conditions=_values(params.getlist("condition"), CONDITION_LABELS.__contains__),
            sellers=_values(params.getlist("seller"), SLUG.fullmatch),
            price_min=low,
            price_max=high,
        )
        after = Cursor.from_param(params.get("after", ""), sort)
        before = None if after else Cursor.from_param(params.get("before", ""), sort)
        inputs = {name: params.get(name, "").strip()[:40] for name in ("price_min", "price_max")}
        return cls(path, currency, filters, sort, after, before, inputs, errors)

    def params(self) -> list[tuple[str, str]]:
        """Return the params that define the listing, in one canonical order (no page cursor)."""
        f = self.filters
        pairs = [("sort", self.sort.value)] if self.sort != ProductSort.NEWEST else []
        pairs += [("brand", v) for v in f.brands] + [("condition", v) for v in f.conditions]
        pairs += [("seller", v) for v in f.sellers]
        if f.price_min is not None:
            pairs.append(("price_min", _price_param(f.price_min, self.currency)))
        if f.price_max is not None:
            pairs.append(("price_max", _price_param(f.price_max, self.currency)))
        return pairs

    def link(self, *, after: Cursor | None = None, before: Cursor | None = None, **changes) -> str:
        """Return the URL of this listing with ``changes`` (sort, filters) and a page cursor."""
        pairs = (replace(self, **changes) if changes else self).params()
        if after is not None:
            pairs.append(("after", after.to_param()))
        if before is not None:
            pairs.append(("before", before.to_param()))
        return f"?{urlencode(pairs)}" if pairs else self.path

    def active(self, labels: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
        """Return (label, URL without it) for each filter applied."""
        f = self.filters
        chips = []
        for name, attribute in (("brand", "brands"), ("condition", "conditions"), ("seller", "sellers")):
            chosen = getattr(f, attribute)
            for value in chosen:
                rest = tuple(v for v in chosen if v != value)
                label = labels[name].get(value, value)
                without: dict[str, Any] = {attribute: rest}
                chips.append((label, self.link(filters=replace(f, **without))))
        if f.price_min is not None or f.price_max is not None:
            language = get_language() or "en"
            low, high = (
                Money(amount, self.currency).format(language) if amount is not None else None
                for amount in (f.price_min, f.price_max)
            )
            if low and high:
                label = f"{low} – {high}"
            elif low:
                label = gettext("from %(price)s") % {"price": low}
            else:
                label = gettext("up to %(price)s") % {"price": high}
            chips.append((label, self.link(filters=replace(f, price_min=None, price_max=None))))
        return chips

    def is_narrow(self) -> bool:
        """Whether this listing is a combination search engines need not index."""
        f = self.filters
        chosen = len(f.brands) + len(f.conditions) + len(f.sellers)
        return chosen > 1 or f.price_min is not None or f.price_max is not None or self.before is not None


def _values(raw: list[str], valid: Callable[[str], object]) -> tuple[str, ...]:
    return tuple(sorted({v for v in raw[: MAX_VALUES * 2] if valid(v)}))[:MAX_VALUES]


def _read_price(text: str, currency: str, name: str, errors: dict[str, str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        amount = Money.parse(text[:40], currency).amount_minor
    except MoneyError:
        amount = -1
    if not 0 <= amount <= MAX_PRICE_MINOR:
        example = f"12{get_format('DECIMAL_SEPARATOR')}50"
        errors[name] = gettext("“%(text)s” is not a price: write an amount such as 12 or %(example)s.") % {
            "text": text[:40],
            "example": example,
        }
        return None
    return amount


def _price_param(amount_minor: int, currency: str) -> str:
    amount = Money(amount_minor, currency).to_decimal()
    return str(int(amount)) if amount == amount.to_integral_value() else f"{amount:f}"


storefront_page = storefront_view(("GET", "HEAD"))


def not_selling_page(request: StorefrontRequest) -> HttpResponse | None:
    """From its closing date a storefront lists no offer: its home, category and search pages are
    this notice instead (the search index is not read; docs/storefront-closure.md). None while it
    sells."""
    storefront = request.storefront
    if sells_on(storefront):
        return None
    return render(
        request,
        "galerie/storefront/not_selling.html",
        {
            "others": [
                (other, storefront_home_url(request, other))
                for other in storefronts_selling_others(storefront)
            ]
        },
    )


@replica_reads
@shared_page(listing=True)
@storefront_page
def home(request: StorefrontRequest) -> HttpResponse:
    if (closed := not_selling_page(request)) is not None:
        return closed
    storefront = request.storefront
    return render(
        request,
        "galerie/storefront/home.html",
        {
            "departments": storefront_departments(storefront),
            "categories": home_featured_categories(storefront),
            "products": home_newest(storefront, limit=HOME_PRODUCTS),
            "deals": home_deals(storefront, limit=HOME_DEALS),
            "shipping_included": True,
        },
    )


@replica_reads
@shared_page(listing=True)
@storefront_page
def category(request: StorefrontRequest, slug: str) -> HttpResponse:
    if (closed := not_selling_page(request)) is not None:
        return closed
    storefront = request.storefront
    tree = storefront_category_page_get(storefront, slug=slug)
    category_ids = [c.pk for c in tree.subtree]
    query = ListingQuery.read(request.GET, path=request.path, currency=storefront.currency)
    page = listing_page(
        storefront,
        category_ids=category_ids,
        filters=query.filters,
        sort=query.sort,
        after=query.after,
        before=query.before,
        limit=PAGE_SIZE,
    )
    facets = listing_facets(
        storefront,
        category_ids=category_ids,
        category=tree.category,
        filters=query.filters,
        cache_seconds=FACETS_CACHE_SECONDS,
    )
    labels = {
        "brand": {o.value: o.label for o in facets.brands},
        "seller": {o.value: o.label for o in facets.sellers},
        "condition": {value: str(label) for value, label in CONDITION_LABELS.items()},
    }
    return render(
        request,
        "galerie/storefront/category.html",
        {
            "category": tree.category,
            "ancestors": tree.ancestors,
            "children": tree.children,
            "products": page.products,
            "facets": facets,
            "conditions": [replace(o, label=str(CONDITION_LABELS[o.value])) for o in facets.conditions],
            "query": query,
            "sorts": [
                (label, query.link(sort=value), value == query.sort) for value, label in SORT_LABELS.items()
            ],
            "active_filters": query.active(labels),
            "clear_url": query.link(filters=ProductFilters()),
            "next_url": query.link(after=page.next_cursor) if page.next_cursor else "",
            "prev_url": query.link(before=page.prev_cursor) if page.prev_cursor else "",
            "canonical_url": request.build_absolute_uri(query.link()),
            "noindex": query.is_narrow(),
            "shipping_included": True,
        },
    )


@replica_reads
@shared_page()
@storefront_page
def product(request: StorefrontRequest, slug: str) -> HttpResponse:
    storefront = request.storefront
    page = storefront_product_page_get(storefront, slug=slug)
    item, variants = page.product, page.variants
    if not variants:
        raise Http404("This product has nothing on sale.")
    wanted = request.GET.get("v", "")
    variant = next((v for v in variants if v.uuid.hex == wanted), variants[0])
    # From its closing date the storefront shows the product, not its offers (no buy box).
    selling = sells_on(storefront)
    offers = product_page_offers(storefront=storefront, variant_id=variant.pk) if selling else []
    rules: dict[object, ShippingRule] = {}  # one per shipping profile, not per offer
    for offer in offers:
        if (rule := rules.get(offer.shipping_profile)) is None:
            rule = rules[offer.shipping_profile] = ShippingRule.of(offer.shipping_profile)
        offer.is_book = item.is_book
        offer.shipping_minor, offer.free_shipping_above_minor = rule.one_item(
            price_minor=offer.price_minor,
            new_book=offer.new_book and loi_lang_applies(currency=offer.currency, country=LOI_LANG_COUNTRY),
        )
        offer.delivery_days = rule.delivery_days(offer.lead_time_days)
    # What the page shows, for the shared page cache: the product, each variant (the variant
    # picker's prices and offers) and each seller of an offer shown.
    page_keys(
        request,
        [key("product", item.pk), *(key("variant", v.pk) for v in variants)]
        + [key("seller", o.seller.pk) for o in offers],
    )
    definitions = {d.code: d for d in page.definitions}
    attributes = [
        (definitions[code], value)
        for code, value in {**item.attributes, **variant.attributes}.items()
        if code in definitions
    ]
    return render(
        request,
        "galerie/storefront/product.html",
        {
            "product": item,
            "variants": variants,
            "variant": variant,
            "offers": offers,
            "buy_box": offers[0] if offers else None,
            "other_offers": offers[1:],
            "attributes": sorted(attributes, key=lambda pair: pair[0].position),
            "images": page.images,
            # The page's own language only: a French page shows no English warning (GPSR art. 19(d)).
            "warnings": item.safety.warnings_in(get_language() or "") if item.safety else "",
            "selling": selling,
            "reviews": product_reviews_block(storefront=storefront, product=item, offers=offers),
        },
    )


@replica_reads
@shared_page()
@storefront_page
def seller_shop(request: StorefrontRequest, slug: str) -> HttpResponse:
    seller = seller_get_public(storefront=request.storefront, slug=slug)
    page_keys(request, [key("seller", seller.pk)])
    return render(request, "galerie/storefront/seller.html", {"seller": seller})
