"""``galerie report p2b --year Y [--json]``: the yearly figures of the complaint-handling system
the P2B Regulation (EU) 2019/1150 art. 11(4) requires the operator to publish."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from galerie.core.reports import Out, report
from galerie.terms.models import SellerComplaint
from galerie.terms.selectors import p2b_report


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--year", type=int, default=None, help="Calendar year (default: the current one).")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")


@report("p2b", help="The sellers' complaints of a year (P2B Regulation art. 11(4)).", arguments=_arguments)
def p2b_complaints_report(options: dict[str, Any], out: Out) -> None:
    year = options["year"] or timezone.localdate().year
    if not 2000 <= year <= 9999:
        raise CommandError(f"--year {year}: give a year between 2000 and 9999.")
    figures = p2b_report(year=year)
    if options["json"]:
        out.write(json.dumps(figures.as_dict(), indent=2, sort_keys=True) + "\n")
        return
    kinds, outcomes = dict(SellerComplaint.Kind.choices), dict(SellerComplaint.Outcome.choices)
    average = "—" if figures.average_days_to_answer is None else f"{figures.average_days_to_answer} days"
    lines = [
        f"Sellers' complaints in {year} (P2B Regulation art. 11(4))",
        f"{'Received':<32}{figures.received:>8}",
        f"{'Answered':<32}{figures.answered:>8}",
        f"{'Still open':<32}{figures.open:>8}",
        f"{'Average time to answer':<32}{average:>8}",
        "Main types:",
        *(f"  {str(kinds.get(k, k))[:60]:<60}{n:>6}" for k, n in figures.by_kind.items()),
        "Outcomes:",
        *(f"  {outcomes.get(k, k)!s:<60}{n:>6}" for k, n in figures.by_outcome.items()),
    ]
    out.write("\n".join(lines) + "\n")
