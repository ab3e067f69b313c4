"""Every picture upload goes through core.images: content-checked, bounded, re-encoded without
metadata — product pictures, product proposals and shop logos alike."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from galerie.catalog.errors import InvalidImage
from galerie.catalog.models import ProductImage
from galerie.catalog.services import product_image_add
from galerie.core.errors import InvalidInput
from galerie.core.images import ImageRefused, image_clean
from galerie.sellers.services.shop import logo_prepare
from tests.factories import make_product

GPS_IFD = 0x8825


def jpeg_with_gps(name: str = "holiday.jpg") -> SimpleUploadedFile:
    """A JPEG as a phone writes it: camera make, and where it was taken (Lyon)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90° clockwise
    exif[GPS_IFD] = {1: "N", 2: (45.0, 45.0, 36.0), 3: "E", 4: (4.0, 50.0, 24.0)}
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (180, 40, 40)).save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png_bomb(name: str = "tiny.png") -> SimpleUploadedFile:
    """A few hundred kilobytes that decode to 30,000 × 30,000 pixels (900 million)."""
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, format="PNG", optimize=True)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def html_as_png(name: str = "cover.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<!doctype html><script>alert(1)</script>", content_type="image/png")


def test_a_jpeg_keeps_its_pixels_upright_and_loses_every_metadata():
    upload = jpeg_with_gps()
    with Image.open(upload) as original:
        assert original.getexif().get(GPS_IFD) is not None  # the test file really carries a position
    clean = image_clean(upload)
    with Image.open(clean.file) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info and "xmp" not in stored.info
        assert stored.size == (40, 60)  # turned upright by its orientation, then saved without it


@pytest.mark.django_db
def test_a_product_picture_is_stored_without_the_uploaders_position():
    product = make_product()
    image = product_image_add(product=product, upload=jpeg_with_gps())
    with image.image.open("rb") as stored, Image.open(stored) as picture:
        assert dict(picture.getexif()) == {} and "exif" not in picture.info
    assert (image.width, image.height) == (40, 60)
    assert image.thumbnail.name.endswith(".webp")


def test_a_shop_logo_is_stored_without_metadata():
    logo = logo_prepare(jpeg_with_gps("logo.jpg"))
    with Image.open(logo) as picture:
        assert dict(picture.getexif()) == {}


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused_by_name_before_its_pixels_are_decoded():
    product = make_product()
    with pytest.raises(InvalidImage) as refused:
        product_image_add(product=product, upload=png_bomb())
    assert "tiny.png" in refused.value.message
    assert refused.value.field == "image"
    assert not ProductImage.objects.exists()
    with pytest.raises(InvalidInput) as refused_logo:
        logo_prepare(png_bomb("logo.png"))
    assert "logo.png" in refused_logo.value.errors["logo"][0]


@pytest.mark.django_db
def test_an_html_file_renamed_png_is_refused_by_name_wherever_it_is_sent():
    product = make_product()
    with pytest.raises(InvalidImage) as refused:
        product_image_add(product=product, upload=html_as_png())
    assert "“cover.png” is not an image Galerie can read" in refused.value.message
    assert not ProductImage.objects.exists()
    with pytest.raises(InvalidInput) as refused_logo:
        logo_prepare(html_as_png("logo.png"))
    assert "“logo.png” is not an image" in refused_logo.value.errors["logo"][0]


def test_a_format_not_asked_for_is_refused_even_when_it_is_an_image():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ImageRefused, match="send a PNG or WebP file"):
        image_clean(SimpleUploadedFile("a.gif", out.getvalue()), formats=("PNG", "WEBP"))


def test_a_heavy_file_is_refused_before_it_is_opened():
    with pytest.raises(ImageRefused, match="at most 1 MB"):
        image_clean(SimpleUploadedFile("big.png", b"0" * (1024 * 1024 + 1)), max_bytes=1024 * 1024)
