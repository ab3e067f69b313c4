"""`galerie report dsa --year Y [--json]`: the figures of the DSA transparency report (art. 15
and 24 of Regulation (EU) 2022/2065), printed as a table or as JSON."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from galerie.core.reports import Out, report
from galerie.notices.selectors import transparency_report


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--year", type=int, default=None, help="The calendar year (default: last year).")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")


@report(
    "dsa",
    help="The DSA transparency report's figures of a calendar year (Regulation 2022/2065, art. 15, 24).",
    arguments=_arguments,
)
def dsa_report(options: dict[str, Any], out: Out) -> None:
    year = options.get("year") or timezone.localdate().year - 1
    if not 2000 <= year <= 9999:
        raise CommandError(f"--year must be a year such as 2026, not {year}.")
    figures = transparency_report(year=year)
    if options.get("json"):
        out.write(json.dumps(figures, indent=2) + "\n")
        return
    rows: list[tuple[str, object]] = [("Notices received", figures["notices_received"])]
    rows += [(f"  category {name}", n) for name, n in figures["notices_per_category"].items()]
    rows += [(f"Actions {name}", n) for name, n in figures["actions_per_kind"].items()]
    median = figures["median_hours_to_decision"]
    rows += [
        ("Median time to decision (hours)", "—" if median is None else median),
        ("Complaints received", figures["complaints_received"]),
        ("Complaints reversing the decision", figures["complaints_reversed"]),
        ("Suspensions", figures["suspensions"]),
        ("Automated decisions", figures["automated_decisions"]),
    ]
    width = max(len(label) for label, _ in rows)
    out.write(f"DSA transparency report {year}\n")
    for label, value in rows:
        out.write(f"{label.ljust(width)}  {value}\n")
