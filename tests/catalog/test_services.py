import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image

from galerie.catalog.errors import InvalidAttributes, InvalidImage
from galerie.catalog.models import Category, Product, Variant
from galerie.catalog.services import product_image_add, product_type_create, variant_create
from galerie.core.errors import InvalidInput
from tests.factories import gtin13, make_category, make_product, make_product_type, make_variant

pytestmark = pytest.mark.django_db


def test_subtree_is_one_prefix_query_at_any_depth(django_assert_num_queries):
    root = make_category("Books")
    node = root
    chain = []
    for depth in range(12):
        node = make_category(f"Level {depth}", parent=node)
        chain.append(node)
    elsewhere = make_category("Music")
    deep_product = make_product(category=chain[-1])
    make_product(category=elsewhere)
    root.refresh_from_db()
    with django_assert_num_queries(1):
        found = list(Product.objects.filter(category__path__startswith=root.path))
    assert found == [deep_product]
    assert Category.objects.get(pk=chain[-1].pk).depth == 13


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "“Author” (author) is required"),
        ({"author": "A", "pages": "many"}, "“Pages” (pages) must be a whole number"),
        ({"author": "A", "pages": 1.5}, "must be a whole number"),
        ({"author": "A", "colour": "red"}, "“colour” is not an attribute of this product type"),
        (
            {"author": "A", "format": "paperback"},
            "“format” is not an attribute of this product type at product",
        ),
    ],
)
def test_product_attributes_follow_the_schema(attributes, message):
    with pytest.raises(InvalidAttributes, match=re.escape(message)):
        make_product(attributes=attributes)
    assert not Product.objects.exists()


def test_attribute_values_are_coerced_to_their_kind():
    product_type = product_type_create(
        code="laptop",
        name="Laptop",
        attributes=[
            {"code": "screen", "name": "Screen", "kind": "decimal", "unit": "in"},
            {"code": "ram", "name": "RAM", "kind": "integer", "unit": "GB"},
            {"code": "touch", "name": "Touch screen", "kind": "boolean"},
        ],
    )
    product = make_product(
        product_type=product_type, attributes={"screen": "15,6", "ram": "16", "touch": True}
    )
    assert product.attributes == {"screen": "15.6", "ram": 16, "touch": True}
    with pytest.raises(InvalidAttributes, match="decimal number written as text"):
        make_product(product_type=product_type, attributes={"screen": 15.6})


def test_choice_attribute_needs_its_values():
    with pytest.raises(InvalidInput, match="needs its list of values"):
        make_product_type(attributes=[{"code": "size", "name": "Size", "kind": "choice"}])


def test_variant_gtin_is_checked_and_unique():
    product = make_product()
    with pytest.raises(InvalidInput, match="not a valid GTIN: its check digits are wrong"):
        variant_create(product=product, gtin="4006381333932", attributes={"format": "paperback"})
    with pytest.raises(InvalidAttributes, match="must be one of “paperback”, “hardcover”, not 'scroll'"):
        variant_create(product=product, gtin=gtin13(), attributes={"format": "scroll"})
    variant = variant_create(product=product, gtin="978-2-07-036822-8", attributes={"format": "paperback"})
    assert variant.gtin == "9782070368228"
    with pytest.raises(InvalidInput, match="already exists"):
        variant_create(product=make_product(), gtin="9782070368228", attributes={"format": "hardcover"})
    assert Variant.objects.count() == 1


def test_gtin_uniqueness_holds_in_the_database():
    variant = make_variant()
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.create(product=variant.product, gtin=variant.gtin)


def _png(width: int, height: int) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="cover.png")


def test_image_is_stored_with_a_resized_thumbnail():
    product = make_product()
    image = product_image_add(product=product, upload=_png(1600, 1200))
    assert (image.width, image.height) == (1600, 1200)
    assert default_storage.exists(image.image.name)
    with default_storage.open(image.thumbnail.name) as thumb, Image.open(thumb) as opened:
        assert opened.format == "WEBP"
        assert opened.size == (480, 360)


def test_a_file_that_is_not_an_image_is_refused():
    product = make_product()
    with pytest.raises(InvalidImage, match=r"“notes\.txt” is not an image"):
        product_image_add(product=product, upload=ContentFile(b"hello", name="notes.txt"))
    assert not product.images.exists()
