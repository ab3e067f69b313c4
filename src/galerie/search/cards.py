"""The product cards of the category listings and the home, read with one plain SQL query into
small rows.

A card shows a product's title, brand and first image beside the price and offer count its
search entry holds. Reading them as Product objects (``select_related`` on brand and category,
then a query for the images) cost more CPU than the rest of a category page's reads: the ORM
built two querysets and two dozen full model instances for a dozen fields
(docs/performance.md, "A lighter render path"). This reads those fields only, in one query,
for PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model

from galerie.catalog.models import Brand, Product, ProductImage
from galerie.offers.selectors.product_page import FileRef


@dataclass(frozen=True, slots=True)
class BrandRef:
    name: str


@dataclass(frozen=True, slots=True)
class CardImage:
    """A product's first image, read like a ProductImage (``thumbnail.url``, "" when none)."""

    image: FileRef
    thumbnail: FileRef
    alt: str

    @property
    def url(self) -> str:
        """The thumbnail's URL, else the image's: what a card shows."""
        return self.thumbnail.url or self.image.url


@dataclass(frozen=True, slots=True)
class ProductCard:
    """What a product card shows; ``prior_minor`` only on the home's deals."""

    pk: int
    slug: str
    title: str
    brand: BrandRef | None
    first_image: CardImage | None
    best_price_minor: int
    offer_count: int
    prior_minor: int | None = None


@cache
def _sql() -> str:
    def table(model: type[Model]) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    images = table(ProductImage)
    # The first image by (position, id), as ProductImage's ordering; the IN list is appended.
    return f"""
        SELECT p.id, p.slug, p.title, b.name, i.image, i.thumbnail, i.alt
        FROM {table(Product)} p
        LEFT JOIN {table(Brand)} b ON b.id = p.brand_id
        LEFT JOIN {images} i ON i.id = (SELECT f.id FROM {images} f WHERE f.product_id = p.id
                                        ORDER BY f.position, f.id LIMIT 1)
        WHERE p.id IN """


def product_cards(rows: Sequence[Sequence[Any]]) -> list[ProductCard]:
    """Return the cards of ``rows`` — (product id, best price, offer count[, prior price]) — in
    their order; a product that no longer exists is left out. One query."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(_sql() + f"({', '.join(['%s'] * len(ids))})", ids)
        found = {row[0]: row for row in cursor.fetchall()}
    url = ProductImage._meta.get_field("image").storage.url
    cards = []
    for pk, price, count, *prior in rows:
        if (row := found.get(pk)) is None:
            continue
        _pk, slug, title, brand, image, thumbnail, alt = row
        first_image = (
            CardImage(FileRef(url(image) if image else ""), FileRef(url(thumbnail) if thumbnail else ""), alt)
            if image is not None
            else None
        )
        cards.append(
            ProductCard(
                pk=pk,
                slug=slug,
                title=title,
                brand=BrandRef(brand) if brand is not None else None,
                first_image=first_image,
                best_price_minor=price,
                offer_count=count,
                prior_minor=prior[0] if prior else None,
            )
        )
    return cards
