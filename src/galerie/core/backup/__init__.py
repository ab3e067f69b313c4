"""Backups of a whole installation and their restore (docs/operations.md).

One archive (a plain ``.tar``) holds the database — a ``pg_dump --format=custom`` file on
PostgreSQL, a copy made by SQLite's online backup API on SQLite — the public media, the private
storage and ``manifest.json``: Galerie's version, the database and its server version, the applied
migrations, the row count of every table and the SHA-256 of every part. A restore checks all of it
before changing anything, and checks the row counts again on what it restored.

The module is generic (no domain app is imported): it backs up every table there is.
"""

from galerie.core.backup.errors import BackupError
from galerie.core.backup.services import BackupSummary, RestoreSummary, backup_create, backup_restore

__all__ = ["BackupError", "BackupSummary", "RestoreSummary", "backup_create", "backup_restore"]
