"""Check the files attached to a message: pictures (JPEG, PNG, WebP) and PDF documents only,
judged by their content, at most MAX_FILES per message and MAX_BYTES each.

A picture is re-encoded without its metadata (core/images.py): a photo taken with a phone
carries the GPS position of the home it was taken in. A PDF is kept as sent, after checking its
header and trailer and pypdf's parse (core/uploads.py); it is only ever served as a download.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from galerie.core.images import ImageRefused, image_clean
from galerie.core.uploads import PDF_HEAD, DocumentRefused, pdf_check
from galerie.messaging.errors import AttachmentRefused
from galerie.messaging.masking import MASK, mask

MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CheckedFile:
    file: ContentFile[bytes]
    original_name: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None


def _refuse(message: str) -> AttachmentRefused:
    return AttachmentRefused({"files": [message]})


def _display_name(upload: File[Any]) -> str:
    """The name shown to the other party: the base name, contact details masked, bounded."""
    name = PurePath(upload.name or "file").name or "file"
    return mask(name).replace(MASK, "…")[-120:]


def _pdf(upload: File[Any], name: str) -> CheckedFile:
    try:
        data = pdf_check(upload, max_bytes=MAX_BYTES, name=name)
    except DocumentRefused as refused:
        raise _refuse(str(refused)) from None
    return CheckedFile(
        file=ContentFile(data, name=f"{uuid.uuid4().hex[:12]}.pdf"),
        original_name=name,
        content_type="application/pdf",
        size=len(data),
    )


def attachment_check(upload: File[Any]) -> CheckedFile:
    """Return the file ready to store; raise AttachmentRefused naming it when it is too heavy or
    neither a JPEG, PNG or WebP picture nor a PDF document (read from its content)."""
    name = _display_name(upload)
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise _refuse(_("“%(name)s” is empty.") % {"name": name})
    if size > MAX_BYTES:
        raise _refuse(
            _("“%(name)s” weighs %(mb).1f MB: at most %(max)d MB per file.")
            % {"name": name, "mb": size / 1024 / 1024, "max": MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(len(PDF_HEAD))
    upload.seek(0)
    if head == PDF_HEAD:
        return _pdf(upload, name)
    try:
        clean = image_clean(upload, formats=tuple(IMAGE_TYPES), max_bytes=MAX_BYTES, max_side=2400)
    except ImageRefused:
        raise _refuse(
            _("“%(name)s” is neither a picture (JPEG, PNG or WebP) nor a PDF document: it is refused.")
            % {"name": name}
        ) from None
    data = clean.file.read()
    clean.file.seek(0)
    return CheckedFile(
        file=clean.file,
        original_name=name,
        content_type=IMAGE_TYPES[clean.format],
        size=len(data),
        width=clean.width,
        height=clean.height,
    )


def attachments_check(uploads: Sequence[File[Any]]) -> list[CheckedFile]:
    """Check every file of a message (all or none is kept); raise AttachmentRefused."""
    if len(uploads) > MAX_FILES:
        raise _refuse(
            ngettext("At most %(max)d file per message.", "At most %(max)d files per message.", MAX_FILES)
            % {"max": MAX_FILES}
        )
    return [attachment_check(upload) for upload in uploads]
