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
from galerie.search.models import SearchEntry


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


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


CARD_FIELDS = 6  # the columns of card_sql


@cache
def card_sql() -> tuple[str, str]:
    """Return the columns and the joins that read a card's fields for the product ``p.id``:
    a caller selects ``{columns}`` from its rows joined to ``{joins}``, in one query."""
    images = _table(ProductImage)
    # The first image by (position, id), as ProductImage's ordering.
    return (
        "p.slug, p.title, b.name, i.image, i.thumbnail, i.alt",
        f"""LEFT JOIN {_table(Brand)} b ON b.id = p.brand_id
            LEFT JOIN {images} i ON i.id = (SELECT f.id FROM {images} f WHERE f.product_id = p.id
                                            ORDER BY f.position, f.id LIMIT 1)""",
    )


def card_of(values: Sequence[Any], fields: Sequence[Any]) -> ProductCard:
    """Return the card of ``values`` — (product id, best price, offer count[, prior price]) —
    with ``fields``, the columns of ``card_sql``."""
    pk, price, count, *prior = values
    slug, title, brand, image, thumbnail, alt = fields
    first_image = None
    if image is not None:
        url = ProductImage._meta.get_field("image").storage.url
        first_image = CardImage(
            FileRef(url(image) if image else ""), FileRef(url(thumbnail) if thumbnail else ""), alt
        )
    return ProductCard(
        pk=pk,
        slug=slug,
        title=title,
        brand=BrandRef(brand) if brand is not None else None,
        first_image=first_image,
        best_price_minor=price,
        offer_count=count,
        prior_minor=prior[0] if prior else None,
    )


def product_cards(rows: Sequence[Sequence[Any]]) -> list[ProductCard]:
    """Return the cards of ``rows`` — (product id, best price, offer count[, prior price]) — in
    their order; a product that no longer exists is left out. One query."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    columns, joins = card_sql()
    with connection.cursor() as cursor:
        in_list = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT p.id, {columns} FROM {_table(Product)} p {joins} WHERE p.id IN ({in_list})", ids
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    return [card_of(row, found[row[0]]) for row in rows if row[0] in found]


def entry_rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run ``sql``: a SELECT from the search entries ``e`` (``{entries}``) of their columns then
    ``{card_columns}``, ``{card_joins}`` after its FROM; a range of entries and their cards'
    fields in one query. Read each row's card with ``card_of_row``."""
    columns, joins = card_sql()
    product = f"JOIN {_table(Product)} p ON p.id = e.product_id"
    if connection.vendor == "postgresql":
        # One product per entry read, looked up by its key: as a plain join, PostgreSQL merged
        # the entries' range with the products' key index read backward from the newest product
        # of the catalog — 150,000 rows to reach a storefront's newest (35 ms instead of 0.4 ms).
        # OFFSET 0 keeps the subquery from being flattened back into that join.
        product = f"JOIN LATERAL (SELECT * FROM {_table(Product)} WHERE id = e.product_id OFFSET 0) p ON TRUE"
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(entries=_table(SearchEntry), card_columns=columns, card_joins=f"{product} {joins}"),
            params,
        )
        return cursor.fetchall()


def card_of_row(row: Sequence[Any]) -> ProductCard:
    """The card of a row of ``entry_rows``: (product id, price, count[, prior price]) and the
    card's fields."""
    return card_of(row[:-CARD_FIELDS], row[-CARD_FIELDS:])
