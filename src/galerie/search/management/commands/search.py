"""``galerie search reindex [--storefront CODE …]``: rebuild the search index from scratch."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from galerie.search.services import search_reindex
from galerie.storefronts.models import Storefront


def reindex_with_bar(*, storefront_ids: list[int] | None, console: Console, quiet: bool):
    """Run ``search_reindex`` behind a progress bar; return its summary."""
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=quiet, transient=False) as bars:
        task = bars.add_task("search index: products", total=None)
        return search_reindex(
            storefront_ids=storefront_ids,
            on_progress=lambda done, total: bars.update(task, completed=done, total=total),
        )


class Command(BaseCommand):
    help = "Search index maintenance: `reindex` rebuilds it from the catalog and the offers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["reindex"])
        parser.add_argument(
            "--storefront",
            action="append",
            default=[],
            metavar="CODE",
            help="Only this storefront (repeatable).",
        )

    def handle(self, *args, action: str, storefront: list[str], verbosity: int, **options) -> None:
        ids = None
        if storefront:
            found = dict(Storefront.objects.filter(code__in=storefront).values_list("code", "pk"))
            if missing := sorted(set(storefront) - found.keys()):
                raise CommandError(f"No storefront has the code {', '.join(missing)}.")
            ids = sorted(found.values())
        quiet = verbosity == 0
        # The stubs type OutputWrapper._out as a callable; it is the text stream the command writes to.
        console = Console(file=self.stdout._out, quiet=quiet)  # type: ignore[arg-type]
        started = time.perf_counter()
        summary = reindex_with_bar(storefront_ids=ids, console=console, quiet=quiet)
        elapsed = time.perf_counter() - started
        if not quiet:
            self.stdout.write(
                f"Reindexed {summary.storefronts} storefronts: {summary.products:,} products read, "
                f"{summary.entries:,} entries, {summary.words:,} words in {elapsed:.1f} s "
                f"({summary.products / elapsed if elapsed else 0:,.0f} products/s)."
            )
