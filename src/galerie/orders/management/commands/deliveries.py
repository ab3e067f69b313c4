"""`galerie deliveries`: mark shipped orders delivered from a carrier's tracking events.

Galerie has no carrier integration: an operator downloads the carrier's delivery report and
feeds it here (or a carrier integration calls ``seller_order_deliver_from_carrier`` itself).

    galerie deliveries mark --tracking 6A98765432109 [--carrier Colissimo] [--at 2026-03-02T14:05+01:00]
    galerie deliveries import deliveries.csv    # columns: carrier, tracking_number, delivered_at
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.orders.delivery import seller_order_deliver_from_carrier

COLUMNS = ("carrier", "tracking_number", "delivered_at")


def _when(text: str, where: str) -> datetime:
    if not text.strip():
        return timezone.now()
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{where}: {text!r} is not a time like 2026-03-02T14:05+01:00.") from None
    # A time without offset is read in the site's time zone (TIME_ZONE), like the carrier's report.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = "Mark shipped orders delivered from a carrier's tracking events (one, or a CSV file of them)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        mark = sub.add_parser("mark", help="Mark the shipped order with this tracking number delivered.")
        mark.add_argument("--tracking", required=True, help="The carrier's tracking number.")
        mark.add_argument("--carrier", default="", help="The carrier, when two carriers share a number.")
        mark.add_argument(
            "--at", default="", help="When the carrier delivered, ISO 8601 (default: now; site time zone)."
        )
        feed = sub.add_parser("import", help="Mark delivered every row of a carrier's CSV file.")
        feed.add_argument("file", type=Path, help=f"CSV with a header: {', '.join(COLUMNS)}.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "mark":
            when = _when(options["at"], "--at")
            try:
                part = seller_order_deliver_from_carrier(
                    carrier=options["carrier"], tracking_number=options["tracking"], delivered_at=when
                )
            except DomainError as error:
                raise CommandError(error.message) from None
            self.stdout.write(
                f"{part.number}: delivered {timezone.localtime(part.delivered_at):%Y-%m-%d %H:%M}"
            )
            return
        self._import(options["file"])

    def _import(self, path: Path) -> None:
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.DictReader(handle))
                header = rows[0].keys() if rows else []
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}.") from None
        missing = [c for c in COLUMNS if c not in header]
        if rows and missing:
            raise CommandError(
                f"{path}: the header lacks {', '.join(missing)} (it needs {', '.join(COLUMNS)})."
            )
        delivered = failed = 0
        for line, row in enumerate(rows, start=2):
            try:
                when = _when(row["delivered_at"] or "", f"{path}, line {line}, delivered_at")
                part = seller_order_deliver_from_carrier(
                    carrier=row["carrier"] or "",
                    tracking_number=row["tracking_number"] or "",
                    delivered_at=when,
                )
            except (DomainError, CommandError) as error:
                failed += 1
                message = error.message if isinstance(error, DomainError) else str(error)
                self.stderr.write(f"line {line}: {message}")
                continue
            delivered += 1
            self.stdout.write(f"line {line}: {part.number} delivered")
        self.stdout.write(f"{delivered} delivered, {failed} refused, of {len(rows)} row(s).")
        if failed:
            raise CommandError(
                f"{failed} row(s) of {path} were refused (see above); the others were applied."
            )
