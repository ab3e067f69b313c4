"""Product images of a merchant file: from the uploaded archive, or from a host the operator allows.

No server-side request goes to an address the file chooses: a URL is fetched only when its host
is listed in ``settings.GALERIE_IMPORT_IMAGE_HOSTS`` (empty by default: nothing is fetched), over
http(s), without following redirects, with a size limit and a timeout. An archive (a ZIP with the
file and its pictures) gives images by their path or file name.
"""

from __future__ import annotations

import io
import posixpath
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from galerie.offers.imports.files import _refuse

MAX_IMAGE_BYTES = 5 * 2**20
MAX_ARCHIVE_MEMBERS = 20_000
MAX_ARCHIVE_BYTES = 512 * 2**20
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
                return self.archive.read(member)
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
    """Return the data file, its name and the archive, for a ZIP upload; the file itself otherwise."""
    if not raw.startswith(b"PK\x03\x04"):
        return raw, name, None
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise _refuse(f"“{name}” is a damaged ZIP archive.") from None
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
        raise _refuse(
            f"“{name}” holds too many or too large files: at most {MAX_ARCHIVE_MEMBERS:,} files, 512 MB."
        )
    data = [m for m in members if m.filename.lower().endswith(DATA_SUFFIXES) and not m.is_dir()]
    data = [m for m in data if not posixpath.basename(m.filename).startswith(".")]
    if len(data) != 1:
        raise _refuse(
            f"“{name}” must hold exactly one product file (.csv or .xml) besides its images;"
            f" it holds {len(data)}."
        )
    if data[0].file_size > 20 * 2**20:
        raise _refuse(f"The product file in “{name}” is more than 20 MB: split it.")
    return archive.read(data[0]), posixpath.basename(data[0].filename), archive
