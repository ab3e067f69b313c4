"""Uploaded files: bounded while they arrive, then judged by their content (docs/hostile-input.md).

Django keeps an upload in memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` and spools the rest to a
temporary file, without any ceiling: a 10 GB upload would fill the disk before a form could say
"too large". :class:`BoundedUploadHandler`, first in ``FILE_UPLOAD_HANDLERS``, stops keeping a
file past ``GALERIE_UPLOAD_MAX_FILE_BYTES`` (the largest any field accepts) and only counts the
rest: the view then gets an :class:`OversizedUpload` whose ``size`` is the true size and whose
content is empty, so every field's own size check refuses it by name and limit, and nothing of it
is stored. Each field then checks the type from the bytes: pictures with ``core.images``, PDF
documents with :func:`pdf_check`, offer files and archives with ``offers.imports`` and
``core.archives``.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import Any

import pypdf
from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

MAX_FILE_BYTES = 20 * 2**20
PDF_HEAD = b"%PDF-"
PDF_TAIL = b"%%EOF"
MAX_PDF_PAGES = 2_000


class OversizedUpload(UploadedFile):
    """An upload past the handler's ceiling: its true ``size``, and no content kept."""

    def __init__(self, name: str, content_type: str | None, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(b""), name, content_type, size, charset)
        self.oversized = True


class BoundedUploadHandler(FileUploadHandler):
    """Keep no more than ``GALERIE_UPLOAD_MAX_FILE_BYTES`` of any file; count the rest."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.limit = int(getattr(settings, "GALERIE_UPLOAD_MAX_FILE_BYTES", MAX_FILE_BYTES))
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received = start + len(raw_data)
        if self.received > self.limit:
            self.over = True
            return None  # the handlers after this one get nothing more of this file
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over:
            return None  # the next handler (memory or temporary file) gives the file
        return OversizedUpload(self.file_name or "file", self.content_type, self.received, self.charset)


def upload_name(upload: File[Any], default: str = "file") -> str:
    """The base name of an upload as its sender named it (for messages)."""
    return PurePath(upload.name or default).name or default


def upload_read(upload: File[Any], max_bytes: int) -> bytes | None:
    """Return the upload's bytes, or None when it holds more than ``max_bytes`` (never read past)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        return None
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    return None if len(data) > max_bytes else bytes(data)


class DocumentRefused(ValueError):
    """The upload is not a document Galerie keeps; the message names the file and the reason."""


def too_heavy(name: str, size: int, max_bytes: int) -> str:
    """The message for a file past its limit, naming both."""
    return _("“%(name)s” weighs %(mb).1f MB: at most %(max)s MB.") % {
        "name": name,
        "mb": size / 2**20,
        "max": f"{max_bytes / 2**20:g}",
    }


def pdf_check(upload: File[Any], *, max_bytes: int, name: str | None = None) -> bytes:
    """Return a PDF upload's bytes once checked as a PDF; raise DocumentRefused naming the file.

    Checked: the size (before reading it all), the ``%PDF-`` header, the ``%%EOF`` trailer, and
    pypdf's parse finding between 1 and MAX_PDF_PAGES pages (pypdf bounds what one stream may
    inflate). The document is kept as sent and only ever served as a download.
    """
    name = name or upload_name(upload, "document.pdf")
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise DocumentRefused(too_heavy(name, size, max_bytes))
    data = upload_read(upload, max_bytes)
    if data is None:
        raise DocumentRefused(too_heavy(name, max_bytes + 1, max_bytes))
    if not data:
        raise DocumentRefused(_("“%(name)s” is empty.") % {"name": name})
    if not data.startswith(PDF_HEAD) or PDF_TAIL not in data[-2048:] or not _pdf_parses(data):
        raise DocumentRefused(_("“%(name)s” is not a readable PDF document.") % {"name": name})
    return data


def _pdf_parses(data: bytes) -> bool:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        return 0 < len(reader.pages) <= MAX_PDF_PAGES
    except Exception:  # pypdf raises many kinds for a broken file: all mean "not a PDF we keep"
        return False
