"""`galerie restore PATH [--force]`: put a `galerie backup` archive back, database and files, after
checking its checksums, database and migrations; then migrate if this code is newer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.core.backup import BackupError, backup_restore
from galerie.core.backup.progress import progress_bars

PHASES = {
    "verify": "Checking every part's SHA-256 (MiB)",
    "restore": "Restoring the database",
}


class Command(BaseCommand):
    help = (
        "Restore a `galerie backup` archive: check every part's checksum and the manifest, replace"
        " the database (one transaction), the media and the private storage, then run migrate if"
        " this code is newer. Stop the server and the workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The archive (.tar) that `galerie backup` wrote.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that holds data (every row written since the backup is lost).",
        )

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        with progress_bars(self.stdout, PHASES, quiet=verbosity == 0) as progress:
            try:
                summary = backup_restore(path=options["path"], force=options["force"], on_progress=progress)
            except BackupError as error:
                raise CommandError(error.message) from None
        if verbosity:
            migrated = (
                f"{summary.migrations_applied} migrations applied (this code is newer than the backup)"
                if summary.migrations_applied
                else "no migration to apply"
            )
            self.stdout.write(
                f"Restored {summary.path} (made {summary.created_at} by Galerie {summary.galerie_version}):"
                f" {summary.tables:,} tables, {summary.rows:,} rows, {summary.media_files:,} media files"
                f" in {summary.seconds:.1f} s; {migrated}."
            )
