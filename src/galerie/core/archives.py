"""ZIP archives a user sends, judged from their directory before anything is inflated.

An offer file may come as a ZIP with its pictures, and an XLSX workbook is a ZIP of XML parts:
both are opened with :mod:`zipfile`, which reads the central directory first and never inflates a
member past the size that directory declares (a member that lies ends short and fails its CRC
check). So the declared sizes bound what reading can cost, and :func:`archive_vet` refuses an
archive from them alone — too many members, too many bytes once uncompressed, a member packed
far tighter than any real file (a zip bomb), a name climbing out of its folder (``../``), an
absolute name, a symbolic link, an encrypted member, or an archive inside the archive (42.zip and
its kind: Galerie never opens one, and refuses it rather than keep it). :func:`archive_read` reads
one member, never more than its declared size, and turns a lying or damaged member into the same
clear refusal. docs/hostile-input.md tells the limits and why.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# A member's uncompressed size over its compressed size, checked past RATIO_FLOOR bytes: text
# compresses 5 to 30 times, pictures barely; a run of zeros compresses about 1,000 times.
MAX_RATIO = 200
RATIO_FLOOR = 2**20
NESTED_SUFFIXES = (
    ".zip", ".jar", ".xlsx", ".xlsm", ".docx", ".ods", ".odt", ".gz", ".tgz", ".bz2", ".xz",
    ".7z", ".rar", ".tar", ".zst", ".cab",
)  # fmt: skip
NESTED_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"(\xb5/\xfd")


class ArchiveRefused(ValueError):
    """The archive is refused; the message names the file, the member at fault and the limit."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_total_bytes: int  # every member once uncompressed, as the directory declares
    max_member_bytes: int
    max_ratio: int = MAX_RATIO
    nested_under: str | None = None  # a folder whose archives are tolerated (never opened)


def _grouped(number: float) -> str:
    return number_format(round(number), force_grouping=True)


def _megabytes(size: int) -> str:
    return _grouped(max(size / 2**20, 1))


def archive_open(raw: bytes, name: str) -> zipfile.ZipFile:
    """Open ``raw`` as a ZIP (its directory only); raise ArchiveRefused if it is not one."""
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ArchiveRefused(_("“%(name)s” is a damaged ZIP archive.") % {"name": name}) from None


def unsafe_name(member: zipfile.ZipInfo) -> bool:
    """Whether a member's name is absolute or climbs out of the archive's folder (``../``)."""
    path = member.filename.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":") or "\x00" in path:
        return True
    return ".." in path.split("/") or posixpath.normpath(path).startswith("..")


def is_symlink(member: zipfile.ZipInfo) -> bool:
    """Whether a member is a symbolic link (Unix mode in its external attributes)."""
    return member.create_system == 3 and stat.S_ISLNK(member.external_attr >> 16)


def archive_vet(archive: zipfile.ZipFile, name: str, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """Return the archive's members once its directory is within ``limits``; raise ArchiveRefused.

    Only the directory is read: nothing is inflated, so a bomb is refused in milliseconds.
    """
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ArchiveRefused(
            _("“%(name)s” holds %(count)s files: at most %(max)s.")
            % {"name": name, "count": _grouped(len(members)), "max": _grouped(limits.max_members)}
        )
    total = 0
    for member in members:
        part = member.filename[:120]
        if unsafe_name(member):
            raise ArchiveRefused(
                _("“%(name)s” holds “%(part)s”, a name outside the archive's folder: it is refused.")
                % {"name": name, "part": part}
            )
        if is_symlink(member):
            raise ArchiveRefused(
                _("“%(name)s” holds “%(part)s”, a symbolic link: it is refused.")
                % {"name": name, "part": part}
            )
        if member.flag_bits & 0x1:
            raise ArchiveRefused(
                _("“%(name)s” holds “%(part)s”, protected by a password: send it without one.")
                % {"name": name, "part": part}
            )
        nested = member.filename.lower().endswith(NESTED_SUFFIXES)
        if nested and not (limits.nested_under and member.filename.startswith(limits.nested_under)):
            raise ArchiveRefused(
                _("“%(name)s” holds another archive, “%(part)s”: put the files themselves in it.")
                % {"name": name, "part": part}
            )
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        if size > limits.max_member_bytes or total > limits.max_total_bytes:
            limit = limits.max_member_bytes if size > limits.max_member_bytes else limits.max_total_bytes
            raise ArchiveRefused(
                _(
                    "“%(name)s” expands to more than %(max)s MB once uncompressed (“%(part)s” alone:"
                    " %(mb)s MB): it is refused."
                )
                % {"name": name, "max": _megabytes(limit), "part": part, "mb": _megabytes(size)}
            )
        if size > RATIO_FLOOR and size / packed > limits.max_ratio:
            raise ArchiveRefused(
                _(
                    "“%(name)s” holds “%(part)s”, compressed %(ratio)s times (at most %(max)s): no real"
                    " file packs so tight, it is refused."
                )
                % {"name": name, "part": part, "ratio": _grouped(size / packed), "max": limits.max_ratio}
            )
    return members


def archive_read(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    """Return one member's bytes, never more than its declared size; raise ArchiveRefused when it
    does not match its declared size or checksum (a member that lies) or cannot be read."""
    try:
        with archive.open(member) as handle:
            data = handle.read(member.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        data = None
    if data is None or len(data) != member.file_size:
        raise ArchiveRefused(
            _("“%(part)s” in “%(name)s” is damaged: it does not match its declared size or checksum.")
            % {"name": name, "part": member.filename[:120]}
        )
    return data


def nested_archive(data: bytes) -> bool:
    """Whether ``data`` starts like an archive (ZIP, gzip, bzip2, xz, 7-Zip, RAR, zstd)."""
    return data.startswith(NESTED_MAGIC)
