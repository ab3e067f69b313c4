"""Uploaded pictures: judged by their content, bounded, re-encoded without their metadata.

Every picture Galerie stores (product pictures, product proposals, shop logos) goes through
``image_clean``: the format is read from the bytes (a renamed HTML file is not an image), the
size in bytes and in pixels is checked before the pixels are decoded (a decompression bomb is
refused, not inflated), the picture is turned upright by its EXIF orientation and saved anew.
Saving anew keeps none of the upload's metadata: no EXIF (camera, date, GPS position of the
uploader), no XMP, no ICC comments — a product picture must not tell where its seller lives.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Format read from the content → (extension, Pillow save options).
FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "JPEG": ("jpg", {"quality": 88, "optimize": True}),
    "PNG": ("png", {"optimize": True}),
    "WEBP": ("webp", {"quality": 85}),
    "GIF": ("gif", {}),
}
NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}


class ImageRefused(ValueError):
    """The upload is not a picture Galerie accepts; the message names the file and the reason."""


@dataclass(frozen=True)
class CleanImage:
    file: ContentFile[bytes]
    format: str
    width: int
    height: int


def image_clean(
    upload: File[Any],
    *,
    formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP"),
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    max_side: int | None = None,
) -> CleanImage:
    """Check an uploaded picture and return it re-encoded, upright, without metadata.

    Raise ImageRefused naming the file when it is too heavy, not a picture of one of ``formats``
    (read from its content), larger than ``max_pixels`` (checked from the header, before any pixel
    is decoded) or unreadable. ``max_side`` shrinks it to fit a square of that side.
    """
    name = PurePath(upload.name or "image").name
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRefused(
            _("“%(name)s” weighs %(mb).1f MB: at most %(max)d MB.")
            % {"name": name, "mb": size / 1024 / 1024, "max": max_bytes // (1024 * 1024)}
        )
    names = [NAMES[kind] for kind in formats]
    listed = (
        names[0]
        if len(names) == 1
        else _("%(some)s or %(last)s")
        % {
            "some": ", ".join(names[:-1]),
            "last": names[-1],
        }
    )
    unreadable = _("“%(name)s” is not an image Galerie can read: send a %(formats)s file.") % {
        "name": name,
        "formats": listed,
    }
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Pillow warns between its limit and twice it and raises beyond: we refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = image.format
                if kind not in formats:
                    raise ImageRefused(unreadable)
                if image.width * image.height > max_pixels:
                    raise ImageRefused(
                        _("“%(name)s” is too large: %(w)s×%(h)s pixels (at most %(max)s million).")
                        % {"name": name, "w": image.width, "h": image.height, "max": max_pixels // 1_000_000}
                    )
                image.load()
                clean = ImageOps.exif_transpose(image)
                if max_side:
                    clean.thumbnail((max_side, max_side))
                if kind == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                extension, options = FORMATS[kind]
                out = io.BytesIO()
                # Only the pixels: no exif=, icc_profile= or pnginfo= is passed on.
                clean.save(out, format=kind, **options)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            _("“%(name)s” would take too much memory to open: it is refused.") % {"name": name}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageRefused):
            raise
        raise ImageRefused(unreadable) from None
    finally:
        upload.seek(0)
    return CleanImage(
        file=ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex[:12]}.{extension}"),
        format=kind,
        width=clean.width,
        height=clean.height,
    )


class CleanImageFormField(forms.FileField):
    """A picture field for the admin's forms, checked as every upload is: by its content,
    bounded in bytes and pixels, re-encoded without metadata (a model ImageField's own form
    field only asks Pillow whether it opens, with Pillow's far higher pixel limit)."""

    def to_python(self, data: Any) -> Any:
        upload = super().to_python(data)
        if upload is None:
            return None
        try:
            clean = image_clean(upload)
        except ImageRefused as refused:
            raise ValidationError(str(refused), code="invalid_image") from None
        clean.file.name = f"{PurePath(upload.name or 'image').stem[:80]}.{FORMATS[clean.format][0]}"
        return clean.file


# For a ModelAdmin (or inline) with a picture: ``formfield_overrides = CLEAN_IMAGE_OVERRIDES``.
CLEAN_IMAGE_OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.ImageField: {"form_class": CleanImageFormField}
}
