"""`galerie report dac7 --year Y [--output file.xml]`: the DAC7 declaration of a year."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.core.reports import Out, report
from galerie.dac7.declaration import dac7_declaration_build
from galerie.dac7.selectors import dac7_rows


def _arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--year", type=int, required=True, help="The reportable period, e.g. 2026.")
    parser.add_argument("--output", help="Where to write the XML (default: DAC7-<year>.xml here).")
    parser.add_argument("--declaration-id", type=int, default=1, help="Its number in the year (default 1).")


@report(
    "dac7",
    help="The DAC7 declaration of a calendar year (Directive 2021/514): XML checked against the XSD.",
    arguments=_arguments,
)
def dac7_report(options: dict[str, Any], out: Out) -> None:
    year = options["year"]
    if not 2023 <= year <= timezone.localdate().year:
        raise CommandError(f"--year: {year} is not a year DAC7 reports (2023 to this year).")
    output = Path(options.get("output") or f"DAC7-{year}.xml")
    if not output.parent.is_dir():
        raise CommandError(f"--output: the folder {output.parent} does not exist.")
    try:
        result = dac7_declaration_build(
            year=year, rows=dac7_rows(year=year), declaration_id=options["declaration_id"]
        )
    except DomainError as error:
        raise CommandError(error.message) from None
    output.write_text(result.xml, encoding="utf-8")
    consideration = sum(row.figures.consideration.total for row in result.declared)
    out.write(
        f"DAC7 {year}: {len(result.declared)} seller(s) declared"
        f" ({Money(consideration, 'EUR').format('en')} consideration),"
        f" {len(result.excluded)} excluded, {len(result.left_out)} left out for missing data;"
        f" valid against the XSD; written to {output}\n"
    )
    for row in result.declared + result.left_out:
        if row.missing:
            left = " (NOT DECLARED)" if row in result.left_out else ""
            who = f"seller {row.seller.pk} {row.seller.display_name}"
            out.write(f"  missing{left}: {who}: {', '.join(row.missing)}\n")
