"""`galerie storefront export CODE PATH` and `galerie storefront import PATH`, besides the
closure's actions of storefronts' own command (docs/storefront-bundle.md).

This app comes before storefronts in INSTALLED_APPS, so Django runs this command for
``storefront``; it adds two actions to storefronts' and hands every other one to it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from galerie.core.errors import DomainError
from galerie.portability.export import storefront_export
from galerie.portability.importer import storefront_import
from galerie.storefronts.management.commands import storefront as closure
from galerie.storefronts.models import Storefront


class Command(closure.Command):
    help = (
        "Storefronts from the command line: close, reopen, status, finish (the closure); export a"
        " storefront's bundle, import one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        export = sub.add_parser("export", help="Write the storefront's bundle into a new directory.")
        export.add_argument("code")
        export.add_argument("path", help="A directory that does not exist yet, or is empty.")
        imported = sub.add_parser("import", help="Check a bundle, then recreate its storefront here.")
        imported.add_argument("path", help="The bundle's directory.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] not in ("export", "import"):
            return super().handle(*args, **options)
        quiet = options["verbosity"] < 1
        console = Console(file=self.stdout._out, quiet=quiet)  # type: ignore[arg-type]
        columns = (
            TextColumn("{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        started = time.monotonic()
        with Progress(*columns, console=console, disable=quiet, transient=False) as bars:
            tasks: dict[str, Any] = {}

            def progress(name: str, done: int, total: int | None) -> None:
                if name not in tasks:
                    tasks[name] = bars.add_task(name, total=total)
                bars.update(tasks[name], completed=done, total=total)

            if options["action"] == "export":
                summary, after = self._export(options, progress), ""
            else:
                summary, after = self._import(options, progress)
        self.stdout.write(f"{summary} in {time.monotonic() - started:.1f} s.{after}")

    def _export(self, options: dict[str, Any], progress: Any) -> str:
        storefront = Storefront.objects.filter(code=options["code"]).first()
        if storefront is None:
            codes = ", ".join(Storefront.objects.order_by("code").values_list("code", flat=True)) or "none"
            raise CommandError(f"No storefront with code {options['code']!r} (codes: {codes}).")
        path = Path(options["path"])
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise CommandError(f"{path} exists and is not an empty directory: give a new one.")
        manifest = storefront_export(storefront=storefront, path=path, on_progress=progress)
        files = manifest["files"]
        rows = {
            name.removesuffix(".jsonl"): facts["rows"] for name, facts in files.items() if "rows" in facts
        }
        size = sum(facts["bytes"] for facts in files.values())
        media = sum(1 for name in files if name.startswith("media/"))
        return (
            f"Exported {storefront.code} to {path}: {rows['products']} products, {rows['offers']} offers,"
            f" {rows['sellers']} sellers, {rows['orders']} orders, {rows['customers']} customers,"
            f" {media} media files, {size / 1_000_000:.1f} MB"
        )

    def _import(self, options: dict[str, Any], progress: Any) -> tuple[str, str]:
        path = Path(options["path"])
        try:
            storefront = storefront_import(path=path, on_progress=progress)
        except DomainError as error:
            raise CommandError(f"Bundle refused, nothing written: {error.message}") from None
        return (
            f"Imported {storefront.code} ({storefront.name}) from {path}",
            f" Next: galerie search reindex --storefront {storefront.code}",
        )
