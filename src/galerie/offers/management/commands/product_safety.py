"""``galerie product_safety``: the products on sale without their safety data (GPSR), as CSV.

``--pause`` pauses their active offers (through the offers service, with a history row each):
they can be put back on sale once the product's data is complete.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from galerie.core.actors import System
from galerie.core.csvsafe import safe_writer
from galerie.offers.selectors.safety import products_listed_without_safety_data
from galerie.offers.services import product_offers_pause

GPSR = System("gpsr")


class Command(BaseCommand):
    help = "List the products on sale that lack their GPSR safety data; --pause pauses their offers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pause", action="store_true", help="Pause the active offers of those products.")

    def handle(self, *args: Any, **options: Any) -> None:
        writer = safe_writer(self.stdout)  # a title starting like a formula is shown as text, never run
        writer.writerow(["product", "slug", "title", "active_offers", "paused_offers", "missing"])
        rows = list(products_listed_without_safety_data())
        paused = 0
        for row in rows:
            writer.writerow(
                [
                    row.product_id,
                    row.slug,
                    row.title,
                    row.active_offers,
                    row.paused_offers,
                    " ".join(row.missing),
                ]
            )
            if options["pause"] and row.active_offers:
                with transaction.atomic():
                    paused += product_offers_pause(
                        product_id=row.product_id, by=GPSR, reason="GPSR safety data missing"
                    )
        if options["pause"]:
            self.stderr.write(f"{paused} offers paused on {len(rows)} products.")
