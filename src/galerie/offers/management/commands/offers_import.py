"""`galerie offers_import FILE --seller SLUG [--user EMAIL] [--check-only] [--all-or-nothing]
[--format shopify|woocommerce|gmc|magento]`: a bulk offer update in the foreground, from an offer
file or a merchant's own export (docs/merchant-formats.md).

With ``--user`` the file is imported as that user, whose role must let them change the seller's
offers (a shipping clerk's import is refused, nothing stored); without it the operator running
the command acts, and the offers' history names ``Galerie (import)``.

It exits 1 when the file or the run failed and when any row has an error (the valid rows are
applied nonetheless, unless --all-or-nothing), after a one-line summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from galerie.catalog.models import ProductProposal
from galerie.core.actors import Actor, System
from galerie.core.errors import DomainError
from galerie.offers.errors import OfferImportBusy
from galerie.offers.imports import offer_import_create, offer_import_errors, offer_import_run
from galerie.offers.models import OfferImport
from galerie.sellers.models import Seller

FINAL = {OfferImport.Status.APPLIED, OfferImport.Status.CHECKED, OfferImport.Status.FAILED}
PHASES = {"check": "Checking the rows", "apply": "Applying the valid rows (one transaction)"}
SHOWN_PROBLEMS = 10
OPERATOR = System("import")  # the operator's shell: no person's role to check


class Command(BaseCommand):
    help = (
        "Update a seller's offers from a CSV or XLSX file (sku/gtin, price, stock, condition,"
        " lead_time_days; docs/offer-imports.md): check every row, then apply all the valid rows"
        " in one transaction. --resume ID runs an import again that a killed process left half-way."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="The CSV or XLSX file.")
        parser.add_argument("--seller", help="The seller's slug (its shop address).")
        parser.add_argument(
            "--user",
            metavar="EMAIL",
            help="Import as this user (their role must allow editing offers); by default the operator.",
        )
        parser.add_argument("--check-only", action="store_true", help="Report the problems, change nothing.")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Apply the file only if every row is valid; otherwise change nothing.",
        )
        parser.add_argument(
            "--format",
            choices=("shopify", "woocommerce", "gmc", "magento"),
            help="The file's merchant format (docs/merchant-formats.md); by default recognised from its"
            " header or root element. A ZIP of the file with its images is read too.",
        )
        parser.add_argument("--resume", type=int, metavar="ID", help="Run the existing import ID (again).")

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        started = time.perf_counter()
        import_id = options["resume"] or self._create(options)
        quiet = verbosity == 0
        # The stubs type OutputWrapper._out as a callable; it is the text stream the command writes to.
        console = Console(file=self.stdout._out, quiet=quiet)  # type: ignore[arg-type]
        columns = (
            TextColumn("{task.description:<44}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, disable=quiet, transient=False) as bars:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    for other in tasks.values():  # the previous phase is over
                        bars.update(other, completed=bars.tasks[other].total)
                    tasks[phase] = bars.add_task(PHASES[phase], total=max(total, 1))
                bars.update(tasks[phase], completed=done, total=max(total, 1))

            try:
                offer_import = offer_import_run(import_id=import_id, progress=progress)
            except OfferImportBusy:
                console.print(
                    f"Import {import_id} is being run by another process (the worker): following it."
                )
                offer_import = self._follow(import_id, progress)
            except DomainError as error:
                raise CommandError(error.message) from None
        self._summary(offer_import, time.perf_counter() - started, quiet)

    def _create(self, options: dict[str, Any]) -> int:
        path, slug = options["file"], options["seller"]
        if path is None or not slug:
            raise CommandError("Give the file and --seller SLUG (or --resume ID).")
        seller = Seller.objects.filter(slug=slug).first()
        if seller is None:
            raise CommandError(f"There is no seller “{slug}”.")
        by: Actor = OPERATOR
        if options.get("user"):
            user = get_user_model().objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user “{options['user']}”.")
            by = user
        try:
            with path.open("rb") as handle:
                offer_import = offer_import_create(
                    seller=seller,
                    by=by,
                    upload=File(handle, name=path.name),
                    check_only=options["check_only"],
                    all_or_nothing=options["all_or_nothing"],
                    file_format=options.get("format"),
                )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        return offer_import.pk

    def _follow(self, import_id: int, progress: Any) -> OfferImport:
        while True:
            offer_import = OfferImport.objects.get(pk=import_id)
            phase = "apply" if offer_import.status == OfferImport.Status.APPLYING else "check"
            progress(phase, offer_import.processed_rows, offer_import.total_rows)
            if offer_import.status in FINAL:
                return offer_import
            time.sleep(0.5)

    def _summary(self, offer_import: OfferImport, seconds: float, quiet: bool) -> None:
        if offer_import.status == OfferImport.Status.FAILED:
            if not quiet and offer_import.processed_rows:  # the rows were read: say how they fared
                self._counts(offer_import, seconds)
                self._problems(offer_import)
            raise CommandError(f"Import {offer_import.pk} failed: {offer_import.failure}")
        if not quiet:
            self._counts(offer_import, seconds)
            self._problems(offer_import)
        if offer_import.error_rows:
            rows, bad = offer_import.total_rows, offer_import.error_rows
            if offer_import.check_only:
                done = "checked only"
            elif bad >= rows:
                done = "no row was applied"
            else:
                done = f"the {rows - bad:,} valid rows were applied"
            raise CommandError(
                f"Import {offer_import.pk}: {bad:,} of {rows:,} rows have errors ({done});"
                f" the report: {settings.GALERIE_SITE_URL}"
                f"{reverse('seller_area:import_errors', kwargs={'import_id': offer_import.pk})}"
            )

    def _counts(self, offer_import: OfferImport, seconds: float) -> None:
        rows = offer_import.total_rows
        verb = "would be " if offer_import.check_only else ""
        digits = 1 if seconds >= 1 else 2
        status = offer_import.status
        if status == OfferImport.Status.APPLIED and rows and offer_import.error_rows >= rows:
            status = "applied nothing"  # as the import's page says: every row had a problem
        self.stdout.write(
            f"Import {offer_import.pk} {status}: {rows:,} rows, {offer_import.error_rows:,} with"
            f" errors, {offer_import.created_offers:,} offers {verb}created, {offer_import.updated_offers:,}"
            f" {verb}updated, {offer_import.unchanged_offers:,} unchanged in {seconds:.{digits}f} s"
            f" ({rows / max(seconds, 1e-9):,.0f} rows/s)."
        )
        proposed = (
            ProductProposal.objects.filter(
                seller_id=offer_import.seller_id,
                created_at__gte=offer_import.started_at or offer_import.created_at,
                created_at__lte=offer_import.finished_at or offer_import.created_at,
            ).count()
            if offer_import.status == OfferImport.Status.APPLIED
            else 0
        )
        if proposed:
            self.stdout.write(
                f"{proposed:,} products not in the catalog were proposed to the operator"
                " (docs/merchant-formats.md)."
            )

    def _problems(self, offer_import: OfferImport) -> None:
        problems = offer_import_errors(offer_import=offer_import)
        for problem in problems[:SHOWN_PROBLEMS]:
            value = f" “{problem.value}”" if problem.value else ""
            self.stdout.write(f"  row {problem.row}, {problem.column}{value}: {problem.reason}")
        if (count := problems.count()) > SHOWN_PROBLEMS:
            self.stdout.write(
                f"  … {count - SHOWN_PROBLEMS:,} more: /sell/imports/{offer_import.pk}/errors.csv"
            )
