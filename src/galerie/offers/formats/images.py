"""Product images of a merchant file: from the uploaded archive, or from a host the operator allows.

No server-side request goes to an address the file chooses: a URL is fetched only when its host
is listed in ``settings.GALERIE_IMPORT_IMAGE_HOSTS`` (empty by default: nothing is fetched), over
http(s), without following redirects, with a size limit and a timeout. An archive (a ZIP with the
file and its pictures) gives images by their path or file name.
"""

from __future__ import annotations

import posixpath
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from galerie.core.archives import (
    ArchiveLimits,
    ArchiveRefused,
    archive_open,
    archive_read,
    archive_vet,
    nested_archive,
)
from galerie.offers.errors import OfferImportRefused
from galerie.offers.imports.files import _refuse

MAX_IMAGE_BYTES = 5 * 2**20
ARCHIVE_REFUSED = "archive_refused"  # the code of a hostile archive's refusal
MAX_ARCHIVE_MEMBERS = 20_000
MAX_ARCHIVE_BYTES = 512 * 2**20
MAX_DATA_BYTES = 20 * 2**20  # the product file inside, as an upload on its own
ARCHIVE_LIMITS = ArchiveLimits(
    max_members=MAX_ARCHIVE_MEMBERS, max_total_bytes=MAX_ARCHIVE_BYTES, max_member_bytes=MAX_DATA_BYTES
)
DATA_SUFFIXES = (".csv", ".txt", ".xml", ".tsv")
TIMEOUT_SECONDS = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect could leave the allowed hosts


def _open(url: str) -> bytes:
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
        return bytes(response.read(MAX_IMAGE_BYTES + 1))


def host_allowed(url: str) -> bool:
    """Whether the operator allows fetching ``url``: http(s) on a listed host, no credentials, no odd port."""
    parts = urlsplit(url)
    hosts = {h.lower().rstrip(".") for h in getattr(settings, "GALERIE_IMPORT_IMAGE_HOSTS", ())}
    try:
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and not parts.username
        and port in (None, 80, 443)
        and (parts.hostname or "").lower().rstrip(".") in hosts
    )


@dataclass
class ImageSource:
    """Where a file's images come from: its archive's members, then the allowed hosts."""

    archive: zipfile.ZipFile | None = None
    fetch: Callable[[str], bytes] = _open
    skipped: list[str] = field(default_factory=list)  # references neither found nor allowed

    def get(self, reference: str) -> bytes | None:
        """Return an image's bytes, or None (and note it) when it is neither in the archive nor allowed."""
        if not reference:
            return None
        if self.archive is not None:
            member = _member(self.archive, reference)
            if member is not None:
                if member.file_size > MAX_IMAGE_BYTES:
                    self.skipped.append(reference)
                    return None
                try:  # never more than its declared size; a member that lies is skipped
                    return archive_read(self.archive, member, "archive")
                except ArchiveRefused:
                    self.skipped.append(reference)
                    return None
        if not host_allowed(reference):
            self.skipped.append(reference)
            return None
        try:
            data = self.fetch(reference)
        except OSError:
            self.skipped.append(reference)
            return None
        if len(data) > MAX_IMAGE_BYTES:
            self.skipped.append(reference)
            return None
        return data


def _member(archive: zipfile.ZipFile, reference: str) -> zipfile.ZipInfo | None:
    path = urlsplit(reference).path if "://" in reference else reference
    path = path.lstrip("/")
    names = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    if path in names:
        return names[path]
    base = posixpath.basename(path)
    matches = [info for name, info in names.items() if posixpath.basename(name) == base]
    return matches[0] if len(matches) == 1 else None


def unpack(raw: bytes, name: str) -> tuple[bytes, str, zipfile.ZipFile | None]:
    """Return the data file, its name and the archive, for a ZIP upload; the file itself otherwise.

    The archive is vetted from its directory first (core.archives: members, sizes, compression
    ratio, names, links, archives inside); raise OfferImportRefused naming the file and the limit.
    """
    if not raw.startswith(b"PK\x03\x04"):
        return raw, name, None
    try:
        archive = archive_open(raw, name)
        members = archive_vet(archive, name, ARCHIVE_LIMITS)
    except ArchiveRefused as refused:
        raise OfferImportRefused(str(refused), field="file", code=ARCHIVE_REFUSED) from None
    data = [m for m in members if m.filename.lower().endswith(DATA_SUFFIXES) and not m.is_dir()]
    data = [m for m in data if not posixpath.basename(m.filename).startswith(".")]
    if len(data) != 1:
        raise _refuse(
            f"“{name}” must hold exactly one product file (.csv or .xml) besides its images;"
            f" it holds {len(data)}."
        )
    if data[0].file_size > MAX_DATA_BYTES:
        raise _refuse(f"The product file in “{name}” is more than 20 MB: split it.")
    try:
        content = archive_read(archive, data[0], name)
    except ArchiveRefused as refused:
        raise OfferImportRefused(str(refused), field="file", code=ARCHIVE_REFUSED) from None
    if nested_archive(content):
        raise OfferImportRefused(
            f"The product file in “{name}” is itself an archive: put the file itself in the ZIP.",
            field="file",
            code=ARCHIVE_REFUSED,
        )
    return content, posixpath.basename(data[0].filename), archive
