"""The storefront's catalog for a headless storefront: categories, listings, search, products.

Public (no credential; the per-IP rate limit). The same selectors as the storefront's pages
(galerie.offers.selectors, galerie.search), so only what the storefront sells is shown: its
catalog scope, its admitted and active sellers, live offers in stock. Anything else is a 404.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from galerie.api.read_cache import HEADER, shared_read
from galerie.api.routers.storefront_common import selling_storefront
from galerie.api.schemas import Days, Money, money, replies
from galerie.catalog.errors import ProductNotFound
from galerie.core.errors import InvalidInput
from galerie.core.surrogates import key
from galerie.offers.models import Condition
from galerie.offers.selectors import storefront_category_page_get
from galerie.offers.selectors.product_page import (
    OfferRow,
    PartyRow,
    SafetyRow,
    product_page_offers_of_variants,
    storefront_product_page_get,
)
from galerie.pricing.shipping import LOI_LANG_COUNTRY, ShippingRule, loi_lang_applies
from galerie.search.cards import ProductCard
from galerie.search.listing import Cursor, ProductFilters, ProductSort, listing_page
from galerie.search.selectors import (
    ATTRIBUTE_FACETS,
    MAX_PAGES,
    SearchFilters,
    SearchSort,
    search_page,
    search_query_parse,
)
from galerie.search.sitemap import storefront_category_tree
from galerie.storefronts.models import Storefront

router = Router(tags=["storefront"])

CURSOR_SALT = "galerie.api.listing-cursor"
LOW_STOCK = 5  # the product page says "only n left" below this, "in stock" above
MAX_VALUES = 20  # per filter, like the pages
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,140}")
FIXED_FACETS = ("category", "brand", "seller", "condition", "price")
ATTRIBUTE = re.compile(r"a:[-a-z0-9_]{1,60}")
VALUE = re.compile(r"[^\x00-\x1f]{1,140}")
PRICE_BAND = re.compile(r"\d{1,12}-\d{0,12}")


# --- categories -------------------------------------------------------------------------------


class CategoryOut(Schema):
    slug: str
    name: str
    parent: str | None = Field(description="The parent category's slug; null for a root.")
    depth: int


@router.get(
    "/{code}/categories",
    response=replies(list[CategoryOut]),
    auth=None,
    summary="The storefront's category tree, in tree order (each with its parent's slug)",
)
def categories(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    storefront = selling_storefront(code)
    rows = storefront_category_tree(storefront)
    by_path = {c.path: c.slug for c in rows}
    step = rows[0].steplen if rows else 4
    return [
        {"slug": c.slug, "name": c.name, "parent": by_path.get(c.path[:-step]), "depth": c.depth}
        for c in rows
    ]


# --- product cards (listings and search) ------------------------------------------------------


class CardOut(Schema):
    slug: str = Field(description="The product's id in this API (product_id), as the pages use it.")
    title: str
    brand: str | None
    image_url: str | None
    best_price: Money = Field(
        description="Its cheapest offer passing the filters, one item's shipping included."
    )
    offer_count: int


def _card(card: ProductCard, currency: str) -> dict[str, Any]:
    return {
        "slug": card.slug,
        "title": card.title,
        "brand": card.brand.name if card.brand else None,
        "image_url": card.first_image.url if card.first_image else None,
        "best_price": money(card.best_price_minor, currency),
        "offer_count": card.offer_count,
    }


class ListingQuery(Schema):
    sort: ProductSort = ProductSort.NEWEST
    brand: list[str] = Field(default_factory=list, description="Brand slugs (any of them).")
    condition: list[Condition] = Field(default_factory=list)
    seller: list[str] = Field(default_factory=list, description="Seller slugs (any of them).")
    price_min: int | None = Field(None, ge=0, le=10**12, description="Minor units, shipping included.")
    price_max: int | None = Field(None, ge=0, le=10**12)
    limit: int = Field(24, ge=1, le=100)
    after: str | None = None


class CardPage(Schema):
    items: list[CardOut]
    next: str | None = None


def _slugs(values: list[str], name: str) -> tuple[str, ...]:
    if len(values) > MAX_VALUES:
        raise InvalidInput({name: [f"At most {MAX_VALUES} values."]})
    bad = [v for v in values if not SLUG.fullmatch(v)]
    if bad:
        raise InvalidInput({name: [f"Not a slug: {bad[0][:40]!r}."]})
    return tuple(sorted(set(values)))


@router.get(
    "/{code}/categories/{slug}/products",
    response=replies(CardPage),
    auth=None,
    summary="The products of a category and its subcategories, a keyset page at a time",
)
def category_products(
    request: HttpRequest, code: str, slug: str, filters: Query[ListingQuery]
) -> dict[str, Any]:
    q = filters
    storefront = selling_storefront(code)
    if q.price_min is not None and q.price_max is not None and q.price_min > q.price_max:
        raise InvalidInput({"price_max": ["The highest price is below the lowest price."]})
    chosen = ProductFilters(
        brands=_slugs(q.brand, "brand"),
        conditions=tuple(sorted({c.value for c in q.condition})),
        sellers=_slugs(q.seller, "seller"),
        price_min=q.price_min,
        price_max=q.price_max,
    )
    after = None
    if q.after:
        try:
            sort, position = signing.loads(q.after, salt=CURSOR_SALT)
        except (signing.BadSignature, ValueError, TypeError):
            raise InvalidInput(
                {"after": ["This cursor is not one the API gave; start again without it."]}
            ) from None
        after = Cursor.from_param(str(position), q.sort) if sort == q.sort.value else None
        if after is None:
            raise InvalidInput({"after": ["This cursor belongs to another sort."]})
    tree = storefront_category_page_get(storefront, slug=slug)
    page = listing_page(
        storefront,
        category_ids=[c.pk for c in tree.subtree],
        filters=chosen,
        sort=q.sort,
        after=after,
        limit=q.limit,
    )
    following = page.next_cursor
    return {
        "items": [_card(card, storefront.currency) for card in page.products],
        "next": signing.dumps([q.sort.value, following.to_param()], salt=CURSOR_SALT) if following else None,
    }


# --- search -----------------------------------------------------------------------------------


class FacetValueOut(Schema):
    value: str
    label: str
    count: int | None = Field(description="null: not counted (too many results to count exactly).")
    selected: bool


class FacetOut(Schema):
    name: str = Field(description="The query parameter that filters on it: category, brand, a:<code>, …")
    label: str
    unit: str
    values: list[FacetValueOut]


class SearchOut(Schema):
    query: str = Field(description="The words as the index read them (spelling corrected).")
    corrected: bool
    total: int
    more: bool = Field(description="More than `total` products match: the total is a lower bound.")
    page: int
    pages: int
    items: list[CardOut]
    facets: list[FacetOut]


def _search_filters(request: HttpRequest) -> SearchFilters:
    """The chosen facet values, named as on the search page: category, brand, seller, condition,
    price (``<min>-<max>`` in minor units) and ``a:<attribute code>``; values of one name OR-ed."""
    chosen = []
    names = [n for n in request.GET if n in FIXED_FACETS or ATTRIBUTE.fullmatch(n)]
    if len(names) > ATTRIBUTE_FACETS + len(FIXED_FACETS):
        raise InvalidInput({names[-1]: ["Too many filters."]})
    for name in sorted(names):
        values = request.GET.getlist(name)
        if len(values) > MAX_VALUES:
            raise InvalidInput({name: [f"At most {MAX_VALUES} values."]})
        if bad := [v for v in values if not VALUE.fullmatch(v)]:
            raise InvalidInput({name: [f"Not a value: {bad[0][:40]!r}."]})
        if name == "category" and len(set(values)) > 1:
            raise InvalidInput({name: ["One category at a time (its subtree is searched)."]})
        if name == "price" and (bad := [v for v in values if not PRICE_BAND.fullmatch(v)]):
            raise InvalidInput({name: [f"A price band is <min>-<max> in minor units, not {bad[0][:40]!r}."]})
        if name == "condition" and (bad := [v for v in values if v not in Condition.values]):
            raise InvalidInput({name: [f"Not a condition: {bad[0][:40]!r}."]})
        chosen.append((name, tuple(sorted(set(values)))))
    return SearchFilters(tuple(chosen))


@router.get(
    "/{code}/search",
    response=replies(SearchOut),
    auth=None,
    summary="Search the storefront: words, facet filters (as on the search page), sort, page",
)
def search(
    request: HttpRequest,
    code: str,
    q: str = Query("", max_length=200),
    sort: SearchSort = SearchSort.RELEVANCE,
    page: int = Query(1, ge=1, le=MAX_PAGES),
) -> dict[str, Any]:
    storefront = selling_storefront(code)
    filters = _search_filters(request)
    if not q.strip() and not filters.chosen:
        raise InvalidInput({"q": ["Type words to search for, or choose a filter."]})
    query = search_query_parse(storefront=storefront, typed=q)
    found = search_page(storefront=storefront, query=query, filters=filters, sort=sort, page=page)
    return {
        "query": query.shown,
        "corrected": query.corrected,
        "total": found.total,
        "more": found.more,
        "page": found.page,
        "pages": found.pages,
        "items": [_card(card, storefront.currency) for card in found.products],
        "facets": [
            {
                "name": facet.name,
                "label": facet.label or facet.name,
                "unit": facet.unit,
                "values": [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in facet.values
                ],
            }
            for facet in found.facets
        ],
    }


# --- product ----------------------------------------------------------------------------------


class Ref(Schema):
    slug: str
    name: str


class SellerRef(Schema):
    slug: str
    name: str
    kind: str = Field(description="trader or private (a private seller's sale has no legal guarantee).")


class ProductOfferOut(Schema):
    id: uuid.UUID = Field(description="The offer to put in a cart (offer_id).")
    seller: SellerRef
    price: Money = Field(description="VAT included.")
    prior_price: Money | None = Field(
        description="The lowest price of the 30 days before a reduction (Omnibus), when reduced."
    )
    condition: Condition
    in_stock: bool
    only_left: int | None = Field(description=f"The stock when it is below {LOW_STOCK}, else null.")
    shipping: Money = Field(description="For one item, VAT included.")
    free_shipping_above: Money | None = Field(description="Never for a new book (loi Lang).")
    second_hand_book: bool = Field(
        description="A used, like-new or refurbished book (« occasion »): outside the fixed book price."
    )
    lead_time_days: int
    delivery_days: Days = Field(description="Delivery estimate in days: lead time plus transit.")


class VariantOut(Schema):
    id: uuid.UUID
    name: str
    gtin: str | None
    attributes: dict[str, Any]
    buy_box: ProductOfferOut | None = Field(
        description="The best offer by the buy-box rule (docs/buy-box.md)."
    )
    other_offers: list[ProductOfferOut]


class AttributeOut(Schema):
    code: str
    name: str
    value: Any
    unit: str


class ImageOut(Schema):
    url: str
    thumbnail_url: str | None
    width: int
    height: int
    alt: str


class PartyOut(Schema):
    name: str
    postal_address: str
    country: str = Field(description="ISO 3166 code.")
    contact: str = Field(description="An e-mail address or a web address.")


class SafetyOut(Schema):
    """What the law requires a listing to show (GPSR, Regulation (EU) 2023/988 art. 19)."""

    manufacturer: PartyOut
    responsible_person: PartyOut | None = Field(
        description="The economic operator in the EU responsible for it (manufacturer outside the EU)."
    )
    warnings: str = Field(description="Warnings and safety information in the storefront's language.")
    warnings_by_language: dict[str, str]


class ProductOut(Schema):
    slug: str
    title: str
    description: str
    brand: Ref | None
    category: Ref
    attributes: list[AttributeOut]
    images: list[ImageOut]
    is_book: bool = Field(description="A book under the French fixed book price (loi Lang).")
    publisher_price: Money | None = Field(
        description="A book's publisher's price: what every new copy sells at (loi Lang)."
    )
    safety: SafetyOut | None
    variants: list[VariantOut] = Field(description="The variants on sale, each with its offers.")


def _party(party: PartyRow | None) -> dict[str, str] | None:
    if party is None:
        return None
    return {
        "name": party.name,
        "postal_address": party.address,
        "country": party.country,
        "contact": party.contact,
    }


def _safety(safety: SafetyRow | None, language: str) -> dict[str, Any] | None:
    if safety is None:
        return None
    return {
        "manufacturer": _party(safety.manufacturer),
        "responsible_person": _party(safety.responsible),
        "warnings": safety.warnings_in(language),
        "warnings_by_language": safety.warnings,
    }


def _offer(offer: OfferRow, rules: dict[object, ShippingRule], *, is_book: bool = False) -> dict[str, Any]:
    # The shipping of one item and the delivery estimate, as the product page computes them.
    if (rule := rules.get(offer.shipping_profile)) is None:
        rule = rules[offer.shipping_profile] = ShippingRule.of(offer.shipping_profile)
    low, high = rule.delivery_days(offer.lead_time_days)
    currency = offer.currency
    offer.is_book = is_book
    shipping, free_above = rule.one_item(
        price_minor=offer.price_minor,
        new_book=offer.new_book and loi_lang_applies(currency=currency, country=LOI_LANG_COUNTRY),
    )
    return {
        "id": offer.uuid,
        "seller": {"slug": offer.seller.slug, "name": offer.seller.display_name, "kind": offer.seller.kind},
        "price": money(offer.price_minor, currency),
        "prior_price": money(offer.prior_minor, currency) if offer.prior_minor else None,
        "condition": offer.condition,
        "in_stock": offer.stock > 0,
        "only_left": offer.stock if offer.stock < LOW_STOCK else None,
        "shipping": money(shipping, currency),
        "second_hand_book": offer.second_hand_book,
        "free_shipping_above": money(free_above, currency) if free_above is not None else None,
        "lead_time_days": offer.lead_time_days,
        "delivery_days": {"min": low, "max": high},
    }


@router.get(
    "/{code}/products/{product_id}",
    response=replies(ProductOut),
    auth=None,
    summary="A product (product_id: its slug) with its variants on sale, their buy box and other offers",
)
def product(request: HttpRequest, code: str, product_id: str) -> HttpResponse:
    # Kept by code and slug: a hit reads no table. Whatever would change the answer (the
    # storefront closing or stopping its sales, its scope, a product, a variant, an offer, a
    # seller) emits an event that bumps a key the read recorded (storefront:<id>, product:<id>…).
    body, state = shared_read("product", (code, product_id), lambda: _product_json(code, product_id))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response.headers[HEADER] = state
    return response


def _product_json(code: str, slug: str) -> tuple[bytes, list[str]]:
    storefront = selling_storefront(code)
    if not SLUG.fullmatch(slug):
        raise ProductNotFound("This product is not sold on this storefront.")
    shown, keys = _product(storefront, slug)
    return ProductOut.model_validate(shown).model_dump_json().encode(), keys


def _product(storefront: Storefront, slug: str) -> tuple[dict[str, Any], list[str]]:
    """The product read, and the surrogate keys of what it shows (as the product page names them)."""
    page = storefront_product_page_get(storefront, slug=slug)
    item = page.product
    rules: dict[object, ShippingRule] = {}
    variants = []
    keys = [key("storefront", storefront.pk), key("product", item.pk)]
    offers_of = product_page_offers_of_variants(
        storefront=storefront, variant_ids=[v.pk for v in page.variants]
    )
    for variant in page.variants:
        keys.append(key("variant", variant.pk))
        offers = offers_of.get(variant.pk, [])
        keys += [key("seller", o.seller.pk) for o in offers]
        if not offers:
            continue
        shown = [_offer(o, rules, is_book=item.is_book) for o in offers]
        variants.append(
            {
                "id": variant.uuid,
                "name": variant.name,
                "gtin": variant.gtin,
                "attributes": variant.attributes,
                "buy_box": shown[0],
                "other_offers": shown[1:],
            }
        )
    if not variants:
        raise ProductNotFound("This product has nothing on sale on this storefront.")
    definitions = {d.code: d for d in page.definitions}
    attributes = sorted(
        ((definitions[name], value) for name, value in item.attributes.items() if name in definitions),
        key=lambda pair: pair[0].position,
    )
    return {
        "slug": item.slug,
        "title": item.title,
        "description": item.description,
        "brand": {"slug": item.brand.slug, "name": item.brand.name} if item.brand else None,
        "category": {"slug": item.category.slug, "name": item.category.name},
        "is_book": item.is_book,
        "publisher_price": (
            money(item.publisher_price_minor, item.publisher_price_currency)
            if item.is_book and item.publisher_price_minor is not None
            else None
        ),
        "attributes": [
            {"code": d.code, "name": d.name, "value": value, "unit": d.unit} for d, value in attributes
        ],
        "images": [
            {
                "url": image.image.url,
                "thumbnail_url": image.thumbnail.url or None,
                "width": image.width,
                "height": image.height,
                "alt": image.alt,
            }
            for image in page.images
        ],
        "safety": _safety(item.safety, storefront.default_language),
        "variants": variants,
    }, keys
