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
from galerie.portability.merge import (
    merge_abandon,
    merge_commit,
    merge_plan,
    merge_product_review,
    merge_progress,
)
from galerie.portability.models import StorefrontMerge
from galerie.reviews.selectors import reviews_reported
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
        merge = sub.add_parser(
            "merge", help="Merge a bundle into this installation's catalog: plan, status, commit, abandon."
        )
        steps = merge.add_subparsers(dest="step", required=True, metavar="plan|status|commit|abandon|review")
        plan = steps.add_parser(
            "plan", help="Match the bundle here and ask for the decisions; writes no catalog row."
        )
        plan.add_argument("path", help="The bundle's directory.")
        plan.add_argument("--code", help="The storefront's code here, when the bundle's is taken.")
        status = steps.add_parser("status", help="The merges, or one merge: what is decided, what waits.")
        status.add_argument("merge", nargs="?", type=int, help="The merge's number.")
        commit = steps.add_parser("commit", help="Write the merge as decided, in one transaction.")
        commit.add_argument("merge", type=int)
        commit.add_argument(
            "--sellers-apart",
            action="store_true",
            help="Do not wait for the sellers who have not answered: keep their shops apart.",
        )
        abandon = steps.add_parser("abandon", help="Give the merge up (nothing was written).")
        abandon.add_argument("merge", type=int)
        review = steps.add_parser("review", help="Send a product the plan decided alone to the review queue.")
        review.add_argument("merge", type=int)
        review.add_argument("product", help="The product's uuid in the bundle.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] not in ("export", "import", "merge"):
            return super().handle(*args, **options)
        if options["action"] == "merge" and options["step"] not in ("plan", "commit"):
            try:
                return self._merge_step(options)
            except DomainError as error:
                raise CommandError(error.message) from None
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
            elif options["action"] == "merge" and options["step"] == "plan":
                summary, after = self._plan(options, progress)
            elif options["action"] == "merge":
                summary, after = self._commit(options, progress)
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
        reported = reviews_reported().filter(storefront=storefront).count()
        return (
            f"Exported {storefront.code} to {path}: {rows['products']} products, {rows['offers']} offers,"
            f" {rows['sellers']} sellers, {rows['orders']} orders, {rows['customers']} customers,"
            f" {rows['reviews']} reviews, {media} media files, {size / 1_000_000:.1f} MB"
            + (
                f" ({reported} reviews with open reports: reports do not travel, decide them first)"
                if reported
                else ""
            )
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

    def _plan(self, options: dict[str, Any], progress: Any) -> tuple[str, str]:
        path = Path(options["path"])
        try:
            merge = merge_plan(path=path, code=options["code"], on_progress=progress)
        except DomainError as error:
            raise CommandError(f"Bundle refused, nothing written: {error.message}") from None
        c = merge.counts
        return (
            f"Planned merge {merge.pk} of {merge.bundle_code} as {merge.code}: {c['products']} products"
            f" ({c['products_match']} same as here, {c['products_review']} to review,"
            f" {c['products_new']} new),"
            f" {c['sellers_to_confirm']} of {c['sellers']} sellers and {c['customers_to_confirm']} of"
            f" {c['customers']} customers asked to confirm",
            f" Next: decide the reviews at /back-office/matches/?batch={merge.batch}, then"
            f" galerie storefront merge commit {merge.pk}",
        )

    def _merge_step(self, options: dict[str, Any]) -> None:
        step = options["step"]
        if step == "status" and options["merge"] is None:
            for merge in StorefrontMerge.objects.order_by("-id")[:20]:
                self.stdout.write(
                    f"{merge.pk:>4}  {merge.status:<9}  {merge.bundle_code} → {merge.code}  {merge.path}"
                )
            return
        found = StorefrontMerge.objects.filter(pk=options["merge"]).first()
        if found is None:
            raise CommandError(f"No merge {options['merge']} (galerie storefront merge status lists them).")
        merge = found
        if step == "status":
            self.stdout.write(f"Merge {merge.pk}: {merge.bundle_code} → {merge.code}, {merge.status}")
            for key, value in {**merge.counts, **merge_progress(merge=merge)}.items():
                self.stdout.write(f"  {key.replace('_', ' ')}: {value}")
        elif step == "abandon":
            merge_abandon(merge_id=merge.pk, by=None)
            self.stdout.write(f"Merge {merge.pk} abandoned: nothing was written.")
        elif step == "review":
            review = merge_product_review(merge_id=merge.pk, incoming=options["product"], by=None)
            self.stdout.write(
                f"Product {options['product']} is now in the review queue (review {review.pk})."
            )

    def _commit(self, options: dict[str, Any], progress: Any) -> tuple[str, str]:
        merge = StorefrontMerge.objects.filter(pk=options["merge"]).first()
        if merge is None:
            raise CommandError(f"No merge {options['merge']} (galerie storefront merge status lists them).")
        try:
            storefront = merge_commit(
                merge_id=merge.pk,
                by=None,
                sellers_unanswered_apart=options["sellers_apart"],
                on_progress=progress,
            )
        except DomainError as error:
            raise CommandError(f"Merge not committed, nothing written: {error.message}") from None
        merge.refresh_from_db()
        order = ("product", "variant", "gtin", "seller", "offer", "customer", "brand", "category")
        keys = sorted(
            (k for k in merge.counts if k.startswith("written_")),
            key=lambda k: (next((i for i, w in enumerate(order) if k[8:].startswith(w)), 99), k),
        )
        written = ", ".join(f"{merge.counts[k]} {k.removeprefix('written_').replace('_', ' ')}" for k in keys)
        return (
            f"Merged {merge.bundle_code} as {storefront.code}: {written}",
            f" Next: galerie search reindex --storefront {storefront.code}",
        )
