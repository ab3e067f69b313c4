"""``galerie recall <product uuid or slug> --notice-en … --notice-fr …``: recall a product.

Its offers leave every storefront now; its buyers of the period are e-mailed by the worker.
``galerie recall --report <product>`` prints who was reached, as CSV.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.safety import safety_languages
from galerie.catalog.selectors import product_get_by_key
from galerie.core.actors import System
from galerie.core.csvsafe import safe_writer
from galerie.core.errors import DomainError
from galerie.recalls.reports import REPORT_HEADER, recall_report_rows
from galerie.recalls.selectors import recalls_for_operator
from galerie.recalls.services import product_recall


class Command(BaseCommand):
    help = "Recall a product: take its offers off every storefront and e-mail its buyers the notice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("product", help="The product's uuid or slug.")
        for language in safety_languages():
            parser.add_argument(f"--notice-{language}", default="", help=f"The recall notice in {language}.")
        parser.add_argument("--report", action="store_true", help="Print who the recall reached (CSV).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            product = product_get_by_key(key=options["product"])
        except ProductNotFound as error:
            raise CommandError(error.message) from None
        if options["report"]:
            recall = recalls_for_operator().filter(product=product).first()
            if recall is None:
                raise CommandError(f"“{product.title}” has not been recalled.")
            writer = safe_writer(self.stdout)  # cells starting like a formula are shown as text
            writer.writerow(REPORT_HEADER)
            writer.writerows(recall_report_rows(recall=recall))
            return
        notice = {language: options[f"notice_{language}"] for language in safety_languages()}
        try:
            recall = product_recall(product_id=product.pk, notice=notice, by=System("command"))
        except DomainError as error:
            raise CommandError(error.message) from None
        pending = recall.notices.filter(status="pending").count()
        self.stdout.write(
            f"Recalled “{product.title}”: {recall.offers_closed} offers closed, {pending} buyers to e-mail"
            f" (orders since {recall.buyers_since:%Y-%m-%d}); the worker sends the notices."
        )
