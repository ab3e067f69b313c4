"""`galerie report <name> …`: the reports the apps register (DAC7 declaration, DSA, P2B …)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from galerie.core.reports import reports_autodiscover


class Command(BaseCommand):
    help = "Regulatory and yearly reports; `galerie report <name> --help` for each one's options."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True, title="reports")
        for name, found in reports_autodiscover().items():
            found.arguments(sub.add_parser(name, help=found.help, description=found.help))

    def handle(self, *args: Any, **options: Any) -> None:
        reports_autodiscover()[options["report"]].run(options, self.stdout)
