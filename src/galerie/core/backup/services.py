"""Back up the installation into one archive; restore one, checking everything before changing anything."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

import galerie
from galerie.core.backup import postgres, sqlite
from galerie.core.backup.archive import (
    ArchiveWriter,
    Manifest,
    Progress,
    _no_progress,
    archive_read,
    storage_files,
    storage_replace,
)
from galerie.core.backup.errors import BackupError

# The storages a backup holds, by the folder their files take in the archive; and the folder of the
# SEPA files sent to the bank (GALERIE_PAYOUT_DIR), which a restore adds back but never deletes:
# a file written after the backup was sent all the same, and reconciling needs it.
STORAGES = {"media": "default", "private": "private"}
PAYOUTS = "payouts"
SHOWN_TABLES = 3
# Tables ``migrate`` fills by itself: rows there do not make a database one "that holds data".
FRAMEWORK_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "django_session"}
)


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    tables: int
    rows: int
    media_files: int
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    path: Path
    created_at: str
    galerie_version: str
    tables: int
    rows: int
    media_files: int
    migrations_applied: int
    seconds: float


def _engine(vendor: str) -> ModuleType:
    if vendor == "postgresql":
        return postgres
    if vendor == "sqlite":
        return sqlite
    raise BackupError(f"Backups support PostgreSQL and SQLite; this database is {vendor}.")


def _storage_roots() -> dict[str, Path]:
    """The folder of each storage the backup holds; only file-system storages are backed up here
    (an object store is backed up by its own versioning, docs/operations.md)."""
    roots = {}
    for folder, alias in STORAGES.items():
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage):
            roots[folder] = Path(storage.location)
    if payouts := getattr(settings, "GALERIE_PAYOUT_DIR", None):
        roots[PAYOUTS] = Path(payouts)
    return roots


def backup_default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(f"galerie-backup-{stamp}.tar")


def backup_create(*, output: Path | None = None, on_progress: Progress = _no_progress) -> BackupSummary:
    """Write one archive of the database (a consistent snapshot), the media and the private
    storage, with its manifest; return what it holds. The archive appears only once complete."""
    started = time.perf_counter()
    path = (output or backup_default_path()).resolve()
    if path.is_dir():
        path = path / backup_default_path()
    if not path.parent.is_dir():
        raise BackupError(f"--output {path}: the folder {path.parent} does not exist.")
    engine = _engine(connection.vendor)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        writer = ArchiveWriter(path)
    except OSError as error:
        raise BackupError(f"Cannot write the backup {path}: {error.strerror or error}.") from None
    try:
        with tempfile.TemporaryDirectory(prefix=".galerie-backup-", dir=path.parent) as scratch:
            dumped = engine.database_dump(into=Path(scratch), on_progress=on_progress)
            part = dumped["database"]["part"]
            files = [
                (f"{folder}/{name}", source)
                for folder, root in _storage_roots().items()
                for name, source in storage_files(root)
            ]
            total = len(files) + 1
            on_progress("archive", 0, total)
            writer.add(part, Path(scratch) / part)
            media: dict[str, int] = dict.fromkeys([*STORAGES, PAYOUTS], 0)
            for done, (name, source) in enumerate(files, start=2):
                writer.add(name, source)
                media[name.split("/", 1)[0]] += 1
                on_progress("archive", done, total)
            on_progress("archive", total, total)
        manifest = Manifest(
            galerie_version=galerie.__version__,
            created_at=created_at,
            database=dumped["database"],
            migrations=dumped["migrations"],
            tables=dumped["tables"],
            media=media,
        )
        size = writer.finish(manifest)
    except OSError as error:
        writer.abandon()
        raise BackupError(f"Cannot write the backup {path}: {error.strerror or error}.") from None
    except BaseException:
        writer.abandon()
        raise
    return BackupSummary(
        path=path,
        size=size,
        tables=len(manifest.tables),
        rows=sum(manifest.tables.values()),
        media_files=sum(media.values()),
        seconds=time.perf_counter() - started,
    )


def _check_fit(manifest: Manifest, path: Path, roots: dict[str, Path]) -> None:
    """Refuse a backup of another kind of database, from a newer Galerie, or holding files this
    installation keeps elsewhere than in a folder."""
    vendor = manifest.database.get("vendor")
    if vendor != connection.vendor:
        raise BackupError(
            f"{path} is a backup of a {vendor} database; this installation uses {connection.vendor}."
            " Restore it into the same kind of database (docs/operations.md)."
        )
    _check_migrations(manifest)
    skipped = sorted(folder for folder, count in manifest.media.items() if count and folder not in roots)
    if skipped:
        raise BackupError(
            f"The backup holds {skipped[0]} files but this installation's {skipped[0]} storage"
            " is not a folder on this machine; restore them with the object store's tools."
        )


def _check_migrations(manifest: Manifest) -> None:
    """Refuse a backup made by a newer Galerie: migrations the code does not know."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(tuple(item) for item in manifest.migrations if tuple(item) not in known)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:SHOWN_TABLES])
        raise BackupError(
            f"The backup (Galerie {manifest.galerie_version}) has {len(unknown)} migrations this code does"
            f" not know ({names}…): it comes from a newer Galerie. Restore it with that version or newer."
        )


def _rows_present(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The models' tables holding rows, the fullest first (a search engine's own tables hold a
    few rows even in a new database)."""
    models = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    held = [
        (table, rows)
        for table, rows in counts.items()
        if rows and table in models and table not in FRAMEWORK_TABLES
    ]
    return sorted(held, key=lambda item: -item[1])


def _pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def backup_restore(
    *, path: Path, force: bool = False, on_progress: Progress = _no_progress
) -> RestoreSummary:
    """Replace the database, the media and the private storage with the backup's, after checking
    its checksums, its database vendor and its migrations; then migrate if the code is newer.
    Refuse a database that holds data unless ``force``. Raise BackupError, having changed
    nothing, when any check fails."""
    started = time.perf_counter()
    engine = _engine(connection.vendor)
    path = path.resolve()
    roots = _storage_roots()
    # Unpacked beside the archive (the same disk holds it twice), else in the temporary folder.
    scratch_parent = path.parent if os.access(path.parent, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix=".galerie-restore-", dir=scratch_parent) as scratch:
        staged = Path(scratch)
        manifest = archive_read(path, staged, on_progress, check=lambda found: _check_fit(found, path, roots))
        if not force:
            present = _rows_present(engine.table_counts())
            if present:
                shown = ", ".join(f"{table} ({rows:,} rows)" for table, rows in present[:SHOWN_TABLES])
                raise BackupError(
                    f"The database holds data ({shown}…): a restore replaces all of it, and the media."
                    " Run `galerie restore` again with --force to do so."
                )
        engine.database_restore(
            staged=staged, database=manifest.database, tables=manifest.tables, on_progress=on_progress
        )
        restored = 0
        for folder, root in roots.items():
            restored += storage_replace(root, staged / folder, mirror=folder != PAYOUTS)
    pending = _pending_migrations()
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    return RestoreSummary(
        path=path,
        created_at=manifest.created_at,
        galerie_version=manifest.galerie_version,
        tables=len(manifest.tables),
        rows=sum(manifest.tables.values()),
        media_files=restored,
        migrations_applied=pending,
        seconds=time.perf_counter() - started,
    )
