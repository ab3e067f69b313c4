"""Every write to the catalog."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image

from galerie.catalog.attributes import attributes_clean
from galerie.catalog.books import publisher_price, publisher_price_problem
from galerie.catalog.errors import InvalidImage, ProductNotFound
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductType,
    Variant,
)
from galerie.catalog.safety import safety_values_clean
from galerie.core.errors import InvalidInput, full_clean
from galerie.core.identifiers import clean_gtin
from galerie.core.images import ImageRefused, image_clean
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit

THUMBNAIL_SIZE = (480, 480)
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@transaction.atomic
def category_create(
    *, name: str, parent: Category | None = None, slug: str = "", description: str = ""
) -> Category:
    """Add a category at the root or under ``parent``."""
    fields = {"name": name, "slug": slug or slugify(name), "description": description}
    candidate = Category(**fields)
    full_clean(candidate, exclude=["path", "depth", "numchild"])
    category = Category.objects.add_child(parent, fields) if parent else Category.objects.add_root(fields)
    emit("category.created", category_id=category.pk)
    return category


@transaction.atomic
def brand_create(*, name: str, slug: str = "") -> Brand:
    """Create a brand."""
    brand = Brand(name=name, slug=slug or slugify(name))
    full_clean(brand)
    brand.save()
    return brand


@transaction.atomic
def product_type_create(
    *,
    code: str,
    name: str,
    tax_class: str = "standard",
    attributes: Sequence[dict[str, Any]] = (),
    is_book: bool = False,
) -> ProductType:
    """Create a product type with its attribute schema (a list of AttributeDefinition fields);
    ``is_book``: its products are books under the fixed book price (catalog.books)."""
    product_type = ProductType(code=code, name=name, tax_class=tax_class, is_book=is_book)
    full_clean(product_type)
    product_type.save()
    for position, spec in enumerate(attributes):
        definition = AttributeDefinition(product_type=product_type, position=position, **spec)
        full_clean(definition)
        if definition.kind == AttributeDefinition.Kind.CHOICE and not definition.choices:
            raise InvalidInput(
                {"choices": [f"The choice attribute “{definition.code}” needs its list of values."]}
            )
        definition.save()
    return product_type


@transaction.atomic
def product_create(
    *,
    product_type: ProductType,
    category: Category,
    title: str,
    brand: Brand | None = None,
    description: str = "",
    attributes: dict[str, Any] | None = None,
    slug: str = "",
    status: str = Product.Status.PUBLISHED,
    publisher_price: Money | None = None,
    safety: dict[str, Any] | None = None,
) -> Product:
    """Create a product; check its attributes against the product type's schema, a publisher's
    price (more than zero) and its safety data (``safety``: some of
    ``catalog.safety.SAFETY_FIELDS``) against its fields."""
    if (problem := publisher_price_problem(publisher_price)) is not None:
        raise InvalidInput({"publisher_price": [problem]})
    definitions = list(product_type.attributes.all())
    product = Product(
        product_type=product_type,
        category=category,
        brand=brand,
        title=title.strip(),
        description=description,
        attributes=attributes_clean(definitions, attributes or {}, level=AttributeDefinition.Level.PRODUCT),
        slug=slug or slugify(title)[:200],
        status=status,
        publisher_price_minor=publisher_price.amount_minor if publisher_price is not None else None,
        publisher_price_currency=publisher_price.currency if publisher_price is not None else "",
        **safety_values_clean(safety or {}),
    )
    full_clean(product)
    product.save()
    emit("product.created", product_id=product.pk)
    return product


@transaction.atomic
def variant_create(
    *, product: Product, name: str = "", gtin: str | None = None, attributes: dict[str, Any] | None = None
) -> Variant:
    """Add a sellable variant; check its GTIN key digit and its variant-level attributes."""
    if gtin:
        try:
            gtin = clean_gtin(gtin)
        except ValidationError as error:
            raise InvalidInput({"gtin": error.messages}) from None
    definitions = list(product.product_type.attributes.all())
    variant = Variant(
        product=product,
        name=name,
        gtin=gtin or None,
        attributes=attributes_clean(definitions, attributes or {}, level=AttributeDefinition.Level.VARIANT),
        position=product.variants.count(),
    )
    full_clean(variant)
    variant.save()
    emit("variant.created", variant_id=variant.pk, product_id=product.pk)
    return variant


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    if thumb.mode not in ("RGB", "L"):
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=82)
    return out.getvalue()


@transaction.atomic
def product_image_add(*, product: Product, upload: UploadedFile | ContentFile, alt: str = "") -> ProductImage:
    """Store a picture re-encoded without its metadata (core.images), with a WebP thumbnail;
    raise InvalidImage naming the file when it is not a picture Galerie accepts."""
    stem = PurePath(upload.name or "image").stem
    try:
        clean = image_clean(upload, formats=IMAGE_FORMATS, max_pixels=MAX_IMAGE_PIXELS)
    except ImageRefused as refused:
        raise InvalidImage(str(refused), field="image") from None
    data = clean.file.read()
    image = ProductImage(product=product, alt=alt or product.title, position=product.images.count())
    image.image.save(f"{stem}{PurePath(clean.file.name or '').suffix}", ContentFile(data), save=False)
    image.thumbnail.save(f"{stem}-thumb.webp", ContentFile(_thumbnail(data)), save=False)
    image.width, image.height = clean.width, clean.height
    image.save()
    return image


@transaction.atomic
def product_publisher_price_set(*, product_id: int, price: Money | None) -> Product:
    """Set (or clear) a book's publisher's price; emit ``product.publisher_price_changed``
    when it changes, so that the new offers of the book follow it (offers.handlers).

    Raises ProductNotFound, InvalidInput (not above zero); then nothing changes.
    """
    if (problem := publisher_price_problem(price)) is not None:
        raise InvalidInput({"publisher_price": [problem]})
    try:
        product = lock_row(Product.objects.all(), product_id)
    except Product.DoesNotExist:
        raise ProductNotFound(f"There is no product {product_id}.") from None
    before = publisher_price(product)
    if before == price:
        return product
    product.publisher_price_minor = price.amount_minor if price is not None else None
    product.publisher_price_currency = price.currency if price is not None else ""
    product.save(update_fields=["publisher_price_minor", "publisher_price_currency", "updated_at"])
    product_publisher_price_changed(product_id=product.pk)
    emit("product.updated", product_id=product.pk)
    return product


@transaction.atomic
def product_safety_set(*, product_id: int, safety: dict[str, Any]) -> Product:
    """Set some of a product's safety data (GPSR: manufacturer, EU responsible person, warnings
    per language); raise InvalidInput naming the field at fault, then nothing is saved."""
    product = Product.objects.select_for_update().get(pk=product_id)
    values = safety_values_clean(safety)
    for name, value in values.items():
        setattr(product, name, value)
    full_clean(product)
    product.save(update_fields=[*values, "updated_at"])
    emit("product.updated", product_id=product.pk)
    return product


def product_publisher_price_changed(*, product_id: int) -> None:
    """Report that a product's publisher's price changed (the service above, or the admin, in
    the transaction of the change): emit ``product.publisher_price_changed``."""
    emit("product.publisher_price_changed", product_id=product_id)


@transaction.atomic
def product_recall_mark(*, product_id: int, at: datetime) -> Product:
    """Mark a product recalled as of ``at`` (nobody may list it again); a product already
    recalled keeps its first date. Emits ``product.updated`` so its pages are rendered anew."""
    product = Product.objects.select_for_update().get(pk=product_id)
    if product.recalled_at is None:
        product.recalled_at = at
        product.save(update_fields=["recalled_at", "updated_at"])
        emit("product.updated", product_id=product.pk)
    return product


@transaction.atomic
def product_edited(*, product_id: int, deleted: bool = False) -> None:
    """Report that a product, its variants or its images were edited (or the product deleted)
    outside the other services — in the admin — so that what reads them follows: emit
    ``product.updated`` (or ``product.deleted``) with its id. Call it in the transaction of the
    change."""
    emit("product.deleted" if deleted else "product.updated", product_id=product_id)


@transaction.atomic
def catalog_labels_edited(*, brand_id: int | None = None, category_id: int | None = None) -> None:
    """Report that a brand or a category was renamed, moved or otherwise edited in the admin:
    emit ``brand.updated`` or ``category.updated``; the products under it are shown anew."""
    if brand_id is not None:
        emit("brand.updated", brand_id=brand_id)
    if category_id is not None:
        emit("category.updated", category_id=category_id)
