"""`galerie seed`: generate a realistic marketplace, the same one for the same seed."""

from __future__ import annotations

import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from galerie.accounts.models import User
from galerie.search.management.commands.search import reindex_with_bar
from galerie.seeding.generator import SCALES, SELLER_EMAIL_DOMAIN, MarketplaceGenerator
from galerie.seeding.generator import Progress as SeedProgress
from galerie.seeding.writer import BulkWriter
from galerie.storefronts.models import Storefront

# The apps whose rows make up a marketplace; --reset empties all of them.
MARKETPLACE_APPS = (
    "core",
    "storefronts",
    "sellers",
    "catalog",
    "search",
    "offers",
    "cart",
    "payments",
    "orders",
    "checkout",
    "notifications",
    "ledger",
)


class _Bars(SeedProgress):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[self.task].total)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


def _children_first(models_: list[type[models.Model]]) -> list[type[models.Model]]:
    """Order models so that each comes after every model that refers to it."""
    remaining, ordered = list(models_), []
    while remaining:
        for model in remaining:
            referrers = {
                rel.related_model
                for rel in model._meta.related_objects
                if rel.related_model in remaining and rel.related_model is not model
            }
            if not referrers:
                ordered.append(model)
                remaining.remove(model)
                break
        else:  # a cycle: delete the rest in any order
            ordered.extend(remaining)
            break
    return ordered


def marketplace_reset() -> None:
    """Delete every storefront, seller, product, offer and event, and the seeded users."""
    tables = [
        model
        for label in MARKETPLACE_APPS
        if label in apps.app_configs
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            with connection.cursor() as cursor:
                # Check deferred foreign keys now: TRUNCATE refuses to run with checks pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for model in _children_first(tables):
                model._base_manager.all()._raw_delete(connection.alias)
        User.objects.filter(email__endswith="@" + SELLER_EMAIL_DOMAIN).delete()


def _database_size() -> int | None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    name = settings.DATABASES["default"]["NAME"]
    path = Path(str(name))
    return path.stat().st_size if path.exists() else None


class Command(BaseCommand):
    help = (
        "Generate a realistic marketplace: three storefronts (books & culture, electronics, makers), "
        "sellers with valid legal identities, brands, products, variants and competing offers. "
        "The same --seed gives the same marketplace."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale", choices=sorted(SCALES), default="demo", help="demo (seconds) or large."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the current marketplace first (every seller, offer …).",
        )
        parser.add_argument("--batch-size", type=int, default=20_000, help="Rows per bulk write.")

    def handle(self, *args, scale: str, seed: int, reset: bool, batch_size: int, verbosity: int, **options):
        existing = Storefront.objects.count()
        if existing and not reset:
            raise CommandError(
                f"The database already holds a marketplace ({existing} storefronts). "
                "`galerie seed --reset` replaces it, deleting every storefront, seller, product and offer."
            )
        started = time.perf_counter()
        if reset:
            marketplace_reset()
        quiet = verbosity == 0
        # The stubs type OutputWrapper._out as a callable; it is the text stream the command writes to.
        console = Console(file=self.stdout._out, quiet=quiet)  # type: ignore[arg-type]
        columns = (
            TextColumn("{task.description:<42}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, disable=quiet, transient=False) as bars:
            generator = MarketplaceGenerator(scale=SCALES[scale], seed=seed, progress=_Bars(bars))
            summary = generator.run(BulkWriter(batch_size=batch_size))
        elapsed = time.perf_counter() - started
        # Bulk rows write no outbox events: the search index is built from them here.
        indexed = reindex_with_bar(storefront_ids=None, console=console, quiet=quiet)
        indexing = time.perf_counter() - started - elapsed
        if quiet:
            return
        counts = summary.counts
        size = _database_size()
        size_text = f", database {size / 2**20:,.1f} MiB" if size else ""
        self.stdout.write(
            f"Seeded scale {scale} (seed {seed}): {counts['storefronts']} storefronts, "
            f"{counts['categories']} categories, {counts['sellers']:,} sellers, {counts['brands']:,} brands, "
            f"{counts['products']:,} products, {counts['variants']:,} variants, {counts['offers']:,} offers "
            f"({counts['reductions']:,} reduced), {counts.get('images', 0):,} images — "
            f"{summary.rows:,} rows in {elapsed:.1f} s, {summary.rows / elapsed:,.0f} rows/s{size_text}; "
            f"search index: {indexed.entries:,} entries in {indexing:.1f} s."
        )
