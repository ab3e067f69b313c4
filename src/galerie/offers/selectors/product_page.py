"""What a product page shows, read in five plain SQL queries (and ``prior_prices``) into
small rows.

The product page is the most visited page and the ORM was most of its cost: building the SQL
of its querysets (the sellable-offer rule, the buy-box order, three prefetches, the price
history) took longer than running them, and it turned every row into a full model instance
for a template that reads a dozen fields (docs/performance.md, "A lighter render path"). These
queries are written once, by hand, for both PostgreSQL and SQLite, and return only those fields.

The rule of what a storefront may sell is ``offers_sellable`` (sellable.py); the "offers"
query below repeats it in SQL, and ``tests/offers/test_product_page.py`` holds the two to the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Model

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductType,
    Variant,
)
from galerie.catalog.safety import needs_responsible_person
from galerie.offers.models import CONDITION_RANK, Condition, Offer
from galerie.offers.selectors.sellable import prior_prices
from galerie.sellers.models import Seller, SellerAdmission, ShippingProfile
from galerie.storefronts.models import Storefront


@dataclass(frozen=True, slots=True)
class NamedRef:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class FileRef:
    """A stored file's URL, read like a FieldFile's (``image.url``); "" when there is none."""

    url: str


@dataclass(frozen=True, slots=True)
class ImageRow:
    image: FileRef
    thumbnail: FileRef
    width: int
    height: int
    alt: str


@dataclass(frozen=True, slots=True)
class VariantRow:
    pk: int
    uuid: UUID
    name: str
    gtin: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AttributeRow:
    code: str
    name: str
    kind: str
    unit: str
    position: int


@dataclass(frozen=True, slots=True)
class SellerRow:
    pk: int
    slug: str
    display_name: str
    kind: str
    return_policy: str


@dataclass(frozen=True, slots=True)
class ShippingProfileRow:
    """A seller's shipping profile (sellers.ShippingProfile), the fields ShippingRule reads."""

    kind: str
    base_minor: int
    per_item_minor: int
    free_above_minor: int | None
    transit_days_min: int
    transit_days_max: int
    book_discount_bp: int = 0


@dataclass(slots=True)
class OfferRow:
    """A sellable offer as the product page shows it: price, prior price, seller; the page sets
    the shipping of one item (pricing's ShippingRule, above this app)."""

    pk: int
    uuid: UUID
    price_minor: int
    currency: str
    condition: str
    lead_time_days: int
    stock: int
    seller: SellerRow
    shipping_profile: ShippingProfileRow | None
    prior_minor: int | None = None
    shipping_minor: int = 0
    free_shipping_above_minor: int | None = None
    delivery_days: tuple[int, int] = (0, 0)
    is_book: bool = False  # set by the page from its product (the fixed book price)

    def get_condition_display(self) -> str:
        return str(Condition(self.condition).label)

    @property
    def second_hand_book(self) -> bool:
        """A used, like-new or refurbished book: « occasion », outside the fixed book price."""
        return self.is_book and self.condition != Condition.NEW

    @property
    def new_book(self) -> bool:
        return self.is_book and self.condition == Condition.NEW


@dataclass(frozen=True, slots=True)
class PartyRow:
    """A manufacturer or an EU responsible person as a listing names them (GPSR art. 19)."""

    name: str
    address: str
    country: str
    contact: str

    @property
    def contact_is_email(self) -> bool:
        return "@" in self.contact and "://" not in self.contact


@dataclass(frozen=True, slots=True)
class SafetyRow:
    """What the product page shows of the product's safety data (catalog.safety)."""

    manufacturer: PartyRow
    responsible: PartyRow | None  # when the manufacturer is outside the EU
    warnings: dict[str, str]  # per language
    recalled: bool

    def warnings_in(self, language: str) -> str:
        return self.warnings.get(language, "")


@dataclass(frozen=True, slots=True)
class ProductRow:
    pk: int
    slug: str
    title: str
    description: str
    attributes: dict[str, Any]
    brand: NamedRef | None
    category: NamedRef
    product_type_id: int
    is_book: bool = False  # catalog.books.is_book of its type
    publisher_price_minor: int | None = None
    publisher_price_currency: str = ""
    safety: SafetyRow | None = None


@dataclass(frozen=True)
class ProductPage:
    product: ProductRow
    variants: list[VariantRow]
    images: list[ImageRow]
    definitions: list[AttributeRow] = field(default_factory=list)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _sql() -> dict[str, str]:
    product, category, brand = _table(Product), _table(Category), _table(Brand)
    scope = connection.ops.quote_name(Storefront._meta.get_field("catalog_scope").m2m_db_table())
    rank = " ".join(f"WHEN '{c}' THEN {r}" for c, r in CONDITION_RANK.items())
    return {
        # Published, and in the storefront's scope: under one of its scope roots, or any
        # category when it has none (storefront_scope_filter).
        "product": f"""
            SELECT p.id, p.slug, p.title, p.description, p.attributes, p.product_type_id,
                   b.slug, b.name, c.slug, c.name,
                   pt.is_book, p.publisher_price_minor, p.publisher_price_currency,
                   p.manufacturer_name, p.manufacturer_address, p.manufacturer_country,
                   p.manufacturer_contact, p.responsible_name, p.responsible_address,
                   p.responsible_country, p.responsible_contact, p.safety_information, p.recalled_at
            FROM {product} p
            JOIN {category} c ON c.id = p.category_id
            JOIN {_table(ProductType)} pt ON pt.id = p.product_type_id
            LEFT JOIN {brand} b ON b.id = p.brand_id
            WHERE p.slug = %s AND p.status = %s
              AND (NOT EXISTS (SELECT 1 FROM {scope} s WHERE s.storefront_id = %s)
                   OR EXISTS (SELECT 1 FROM {scope} s JOIN {category} r ON r.id = s.category_id
                              WHERE s.storefront_id = %s AND c.path LIKE r.path || '%%'))""",
        "variants": f"""
            SELECT id, uuid, name, gtin, attributes FROM {_table(Variant)}
            WHERE product_id = %s ORDER BY position, id""",
        "images": f"""
            SELECT image, thumbnail, width, height, alt FROM {_table(ProductImage)}
            WHERE product_id = %s ORDER BY position, id""",
        "definitions": f"""
            SELECT code, name, kind, unit, position FROM {_table(AttributeDefinition)}
            WHERE product_type_id = %s ORDER BY position, id""",
        # offers_sellable, in the buy-box order (BUY_BOX_ORDER), with seller and shipping.
        "offers": f"""
            SELECT o.id, o.uuid, o.price_minor, o.currency, o.condition, o.lead_time_days, o.stock,
                   o.variant_id, s.id, s.slug, s.display_name, s.kind, s.return_policy,
                   sp.kind, sp.base_minor, sp.per_item_minor, sp.free_above_minor,
                   sp.transit_days_min, sp.transit_days_max, sp.book_discount_bp
            FROM {_table(Offer)} o
            JOIN {_table(Seller)} s ON s.id = o.seller_id
            LEFT JOIN {_table(ShippingProfile)} sp ON sp.seller_id = s.id
            WHERE o.variant_id IN ({{variants}}) AND o.status = %s AND o.stock > 0 AND o.currency = %s
              AND s.status = %s
              AND EXISTS (SELECT 1 FROM {_table(SellerAdmission)} a
                          WHERE a.seller_id = o.seller_id AND a.storefront_id = %s AND a.status = %s)
            ORDER BY o.variant_id, o.price_minor, CASE o.condition {rank} ELSE {len(CONDITION_RANK)} END,
                     o.lead_time_days, o.id""",
    }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def storefront_product_page_get(storefront: Storefront, *, slug: str) -> ProductPage:
    """Return a published product of the storefront's scope with its variants, images and
    attribute definitions, in four queries; raise ProductNotFound otherwise."""
    sql = _sql()
    found = _rows(sql["product"], [slug, Product.Status.PUBLISHED, storefront.pk, storefront.pk])
    if not found:
        raise ProductNotFound("This product is not sold on this storefront.")
    row, book, party = found[0][:10], found[0][10:13], found[0][13:]
    pk, slug, title, description, attributes, type_id, brand_slug, brand_name, cat_slug, cat_name = row
    is_book, publisher_minor, publisher_currency = book
    m_name, m_address, m_country, m_contact, r_name, r_address, r_country, r_contact, warns, recalled = party
    safety = SafetyRow(
        manufacturer=PartyRow(m_name, m_address, m_country, m_contact),
        responsible=PartyRow(r_name, r_address, r_country, r_contact)
        if r_name and needs_responsible_person(m_country)
        else None,
        warnings=_json(warns) or {},
        recalled=recalled is not None,
    )
    product = ProductRow(
        pk=pk,
        slug=slug,
        title=title,
        description=description,
        attributes=_json(attributes) or {},
        brand=NamedRef(brand_slug, brand_name) if brand_slug is not None else None,
        category=NamedRef(cat_slug, cat_name),
        product_type_id=type_id,
        is_book=bool(is_book),
        publisher_price_minor=publisher_minor,
        publisher_price_currency=publisher_currency or "",
        safety=safety,
    )
    variants = [
        VariantRow(pk=v_pk, uuid=_uuid(v_uuid), name=name, gtin=gtin, attributes=_json(v_attributes) or {})
        for v_pk, v_uuid, name, gtin, v_attributes in _rows(sql["variants"], [pk])
    ]
    url = ProductImage._meta.get_field("image").storage.url
    images = [
        ImageRow(FileRef(url(image)), FileRef(url(thumbnail) if thumbnail else ""), width, height, alt)
        for image, thumbnail, width, height, alt in _rows(sql["images"], [pk])
    ]
    definitions = [AttributeRow(*row) for row in _rows(sql["definitions"], [type_id])]
    return ProductPage(product, variants, images, definitions)


def product_page_offers(
    *, storefront: Storefront, variant_id: int, now: datetime | None = None
) -> list[OfferRow]:
    """Return a variant's sellable offers, best first by the buy-box rule, each with its seller,
    its seller's shipping profile and its prior (Omnibus) price; two queries."""
    return product_page_offers_of_variants(storefront=storefront, variant_ids=[variant_id], now=now).get(
        variant_id, []
    )


def product_page_offers_of_variants(
    *, storefront: Storefront, variant_ids: Sequence[int], now: datetime | None = None
) -> dict[int, list[OfferRow]]:
    """Return {variant id: its sellable offers, best first} for several variants (a variant
    without any is left out), as ``product_page_offers``; two queries whatever their number."""
    if not variant_ids:
        return {}
    sql = _sql()["offers"].replace("{variants}", ", ".join(["%s"] * len(variant_ids)))
    rows = _rows(
        sql,
        [
            *variant_ids,
            Offer.Status.ACTIVE,
            storefront.currency,
            Seller.Status.ACTIVE,
            storefront.pk,
            SellerAdmission.Status.ADMITTED,
        ],
    )
    priors = prior_prices([row[0] for row in rows], now=now)
    profiles: dict[tuple[Any, ...], ShippingProfileRow] = {}
    offers: dict[int, list[OfferRow]] = {}
    for row in rows:
        pk, uuid, price, currency, condition, lead_time, stock, variant = row[:8]
        seller, profile = row[8:13], row[13:]
        if profile[0] is not None and (shipping := profiles.get(profile)) is None:
            shipping = profiles[profile] = ShippingProfileRow(*profile)
        offers.setdefault(variant, []).append(
            OfferRow(
                pk=pk,
                uuid=_uuid(uuid),
                price_minor=price,
                currency=currency,
                condition=condition,
                lead_time_days=lead_time,
                stock=stock,
                seller=SellerRow(*seller),
                shipping_profile=shipping if profile[0] is not None else None,
                prior_minor=priors.get(pk),
            )
        )
    return offers
