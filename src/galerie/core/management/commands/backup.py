"""`galerie backup [--output PATH]`: one archive of the database, the media and the private
storage, with a manifest of checksums and row counts (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.core.backup import BackupError, backup_create
from galerie.core.backup.progress import progress_bars

PHASES = {"dump": "Dumping the database", "archive": "Archiving the dump and the media files"}


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump --format=custom on PostgreSQL, the online backup API on"
        " SQLite), the media and the private storage into one .tar with a manifest (checksums,"
        " migrations, row counts). `galerie restore PATH` puts it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="The archive to write (a file, or a folder to write galerie-backup-<time>.tar in);"
            " by default galerie-backup-<time>.tar in the current folder.",
        )

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        with progress_bars(self.stdout, PHASES, quiet=verbosity == 0) as progress:
            try:
                summary = backup_create(output=options["output"], on_progress=progress)
            except BackupError as error:
                raise CommandError(error.message) from None
        if verbosity:
            self.stdout.write(
                f"Backup written to {summary.path}: {summary.size / 2**20:,.1f} MiB, {summary.tables:,}"
                f" tables, {summary.rows:,} rows, {summary.media_files:,} media files in"
                f" {summary.seconds:.1f} s."
            )
