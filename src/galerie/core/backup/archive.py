"""The archive: a plain tar of the database part, the media files and ``manifest.json``.

Plain tar, not gzip: the custom-format dump is compressed already, pictures do not compress, and
an uncompressed tar is read member by member without unpacking the rest. The manifest comes last,
holding the SHA-256 of every other member; reading checks each member against it while copying
it out, so a corrupt or truncated archive is refused before anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from galerie.core.backup.errors import BackupError

MANIFEST = "manifest.json"
FORMAT = 1  # the manifest's layout; a reader refuses a format it does not know
CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclass
class Manifest:
    """What ``manifest.json`` holds."""

    galerie_version: str
    created_at: str
    database: dict[str, Any]  # vendor, server_version(_num), dump tool and its major version, part
    migrations: list[list[str]]  # [app, name] of every applied migration
    tables: dict[str, int]  # rows per table
    media: dict[str, int]  # files per storage ("media", "private")
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # member -> sha256, size
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, *, where: str) -> Manifest:
        try:
            raw = json.loads(data)
        except ValueError as error:
            raise BackupError(f"{where}: manifest.json is not valid JSON ({error}).") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            found = raw.get("format") if isinstance(raw, dict) else None
            raise BackupError(
                f"{where}: manifest.json has format {found!r}; this Galerie reads format {FORMAT}."
            )
        try:
            manifest = cls(**raw)
        except TypeError as error:
            raise BackupError(
                f"{where}: manifest.json does not have the expected fields ({error})."
            ) from None
        if not isinstance(manifest.files, dict) or not isinstance(manifest.tables, dict):
            raise BackupError(f"{where}: manifest.json lists no files or no tables.")
        return manifest


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it (tarfile reads exactly the member's size)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner, self.sha = inner, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.sha.update(data)
        return data


class ArchiveWriter:
    """Write members one by one, then the manifest; ``os.replace`` puts the finished file in
    place, so a backup that failed half-way leaves no archive that looks whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        # Closed by finish() or abandon(), whichever ends the backup.
        self.tar = tarfile.open(self.partial, "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self.files: dict[str, dict[str, Any]] = {}

    def add(self, name: str, source: Path) -> None:
        info = tarfile.TarInfo(name)
        stat = source.stat()
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
        with source.open("rb") as handle:
            hashing = _Hashing(handle)
            self.tar.addfile(info, hashing)
        self.files[name] = {"sha256": hashing.sha.hexdigest(), "size": info.size}

    def finish(self, manifest: Manifest) -> int:
        manifest.files = self.files
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(os.path.getmtime(self.partial)), 0o644
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()
        with self.partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(self.partial, self.path)
        return self.path.stat().st_size

    def abandon(self) -> None:
        self.tar.close()
        self.partial.unlink(missing_ok=True)


def _safe_name(name: str, where: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"{where}: the member “{name}” has an unsafe path; the archive is refused.")
    return path


def archive_read(
    path: Path,
    into: Path,
    on_progress: Progress = _no_progress,
    check: Callable[[Manifest], None] | None = None,
) -> Manifest:
    """Check every member of the archive at ``path`` against its manifest while copying it under
    ``into``; return the manifest. ``check`` sees the manifest before any member is read (and may
    raise). Raise BackupError, having written nothing outside ``into``, when the archive is
    unreadable, truncated, altered or incomplete."""
    where = str(path)
    if not path.is_file():
        raise BackupError(f"{where}: there is no such file.")
    try:
        with tarfile.open(path, "r:") as tar:
            members = tar.getmembers()  # reads every header: a truncated archive fails here or below
            by_name = {member.name: member for member in members}
            if MANIFEST not in by_name:
                raise BackupError(
                    f"{where}: no manifest.json; this is not a Galerie backup, or it is truncated."
                )
            handle = tar.extractfile(by_name[MANIFEST])
            assert handle is not None
            manifest = Manifest.from_json(handle.read(), where=where)
            if check is not None:
                check(manifest)
            unknown = sorted(set(by_name) - set(manifest.files) - {MANIFEST})
            if unknown:
                raise BackupError(
                    f"{where}: the member “{unknown[0]}” is not in the manifest; the archive was altered."
                )
            missing = sorted(set(manifest.files) - set(by_name))
            if missing:
                raise BackupError(
                    f"{where}: “{missing[0]}” is missing ({len(missing)} parts in all);"
                    " the archive is incomplete."
                )
            total, done = sum(int(f["size"]) for f in manifest.files.values()), 0
            for name, expected in sorted(manifest.files.items()):
                member = by_name[name]
                if not member.isfile():
                    raise BackupError(
                        f"{where}: the member “{name}” is not a regular file; the archive is refused."
                    )
                target = into / _safe_name(name, where)
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                sha = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        out.write(chunk)
                        done += len(chunk)
                        on_progress("verify", done >> 20, total >> 20)  # in MiB
                if sha.hexdigest() != expected["sha256"] or member.size != expected["size"]:
                    raise BackupError(
                        f"{where}: the checksum of “{name}” does not match the manifest; the archive is"
                        " corrupt. Nothing was restored."
                    )
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(
            f"{where}: the archive is unreadable or truncated ({error}). Nothing was restored."
        ) from None
    except OSError as error:
        raise BackupError(
            f"{where}: cannot unpack the archive ({error.strerror or error}). Nothing was restored."
        ) from None
    return manifest


def storage_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file under ``root`` as (its name relative to root, its path), in a stable order."""
    if not root.is_dir():
        return
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def storage_replace(root: Path, staged: Path, *, mirror: bool = True) -> int:
    """Make ``root`` hold the files staged (the backup's): copy each in place (atomically, by
    rename), then, if ``mirror``, delete the files the backup did not have. Return how many
    were restored."""
    root.mkdir(parents=True, exist_ok=True)
    kept: set[str] = set()
    for name, source in storage_files(staged):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.restoring")
        with source.open("rb") as read, temporary.open("wb") as write:
            while chunk := read.read(CHUNK):
                write.write(chunk)
        os.replace(temporary, target)
        kept.add(name)
    for name, path in list(storage_files(root)) if mirror else []:
        if name not in kept:  # uploaded after the backup: its row is gone with the restore
            path.unlink()
    return len(kept)
