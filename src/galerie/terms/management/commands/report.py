"""``galerie report p2b --year Y [--json]``: the yearly figures of the complaint-handling system
the P2B Regulation (EU) 2019/1150 art. 11(4) requires the operator to publish."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from galerie.terms.models import SellerComplaint
from galerie.terms.selectors import p2b_report


class Command(BaseCommand):
    help = "Yearly reports for the operator to publish (p2b: sellers' complaints, P2B art. 11(4))."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=["p2b"], help="Which report (p2b: the sellers' complaints).")
        parser.add_argument(
            "--year", type=int, default=None, help="Calendar year (default: the current one)."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        if not 2000 <= year <= 9999:
            raise CommandError(f"--year {year}: give a year between 2000 and 9999.")
        report = p2b_report(year=year)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=True))
            return
        kinds, outcomes = dict(SellerComplaint.Kind.choices), dict(SellerComplaint.Outcome.choices)
        average = "—" if report.average_days_to_answer is None else f"{report.average_days_to_answer} days"
        lines = [
            f"Sellers' complaints in {year} (P2B Regulation art. 11(4))",
            f"{'Received':<32}{report.received:>8}",
            f"{'Answered':<32}{report.answered:>8}",
            f"{'Still open':<32}{report.open:>8}",
            f"{'Average time to answer':<32}{average:>8}",
            "Main types:",
            *(f"  {str(kinds.get(k, k))[:60]:<60}{n:>6}" for k, n in report.by_kind.items()),
            "Outcomes:",
            *(f"  {outcomes.get(k, k)!s:<60}{n:>6}" for k, n in report.by_outcome.items()),
        ]
        self.stdout.write("\n".join(lines))
