"""SQLite: a consistent copy through the online backup API, both ways.

Copying the file of a live database may catch a write half-done (and misses what is still in the
``-wal`` file); ``sqlite3.Connection.backup`` copies pages under SQLite's own locks and starts
over if another process writes meanwhile, so the copy is one consistent state. The restore runs
the same API the other way: the destination stays locked for writing until the last page is in,
and a failure leaves it as it was.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from django.db import connection

from galerie.core.backup.archive import Progress
from galerie.core.backup.errors import BackupError

PART = "database.sqlite3"
PAGES_PER_STEP = 4096


def _raw() -> sqlite3.Connection:
    if connection.in_atomic_block:
        raise BackupError("A backup or restore cannot run inside a database transaction.")
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _migrations(db: sqlite3.Connection) -> list[list[str]]:
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
        return []
    return sorted([app, name] for app, name in db.execute("SELECT app, name FROM django_migrations"))


def table_counts() -> dict[str, int]:
    """Rows per table of the live database."""
    return _counts(_raw())


def database_dump(*, into: Path, on_progress: Progress) -> dict[str, Any]:
    """Copy the live database into ``into/database.sqlite3``; return the manifest's database
    part, and the row counts and applied migrations read from the copy itself."""
    source = _raw()

    def progress(status: int, remaining: int, total: int) -> None:
        on_progress("dump", total - remaining, max(total, 1))

    with closing(sqlite3.connect(into / PART)) as copy:
        source.backup(copy, pages=PAGES_PER_STEP, progress=progress)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        counts, migrations = _counts(copy), _migrations(copy)
    database = {
        "vendor": "sqlite",
        "server_version": sqlite3.sqlite_version,
        "server_major": sqlite3.sqlite_version_info[0],
        "dump_tool": f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})",
        "dump_tool_major": sqlite3.sqlite_version_info[0],
        "part": PART,
    }
    return {"database": database, "tables": counts, "migrations": migrations}


def database_restore(
    *, staged: Path, database: dict[str, Any], tables: dict[str, int], on_progress: Progress
) -> None:
    """Check the staged copy (integrity, row counts against the manifest), then copy it over the
    live database with the backup API."""
    target = _raw()
    with closing(sqlite3.connect(f"file:{staged / PART}?mode=ro", uri=True)) as copy:
        try:
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            counts = _counts(copy)
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"The backup's database is not a readable SQLite file ({error}). Nothing was restored."
            ) from None
        if check != "ok":
            raise BackupError(f"The backup's database fails SQLite's check ({check}). Nothing was restored.")
        if counts != tables:
            wrong = sorted(set(counts) ^ set(tables)) or [t for t in tables if counts.get(t) != tables[t]]
            raise BackupError(
                f"The backup's database does not hold the rows its manifest lists (table {wrong[0]})."
                " Nothing was restored."
            )

        def progress(status: int, remaining: int, total: int) -> None:
            on_progress("restore", total - remaining, max(total, 1))

        try:
            copy.backup(target, pages=PAGES_PER_STEP, progress=progress)
        except sqlite3.OperationalError as error:
            raise BackupError(
                f"SQLite refused the restore ({error}); stop the server and workers and retry."
            ) from None
