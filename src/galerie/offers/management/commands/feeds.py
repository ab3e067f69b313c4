"""`galerie feeds google CODE PATH` and `galerie feeds offers SELLER PATH`: files in merchants' formats.

- ``google``: the storefront's Google Merchant Center feed (RSS 2.0 with the ``g:`` namespace),
  one item per variant with a buy box, its price VAT included (docs/merchant-formats.md).
- ``offers``: a seller's offers as the Shopify-like CSV that ``galerie offers_import`` reads back.

Both are streamed to PATH (``-`` for the standard output) and written through a temporary file
that replaces PATH only when complete.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.offers.formats.exports import google_feed_write, seller_offers_write
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


class Command(BaseCommand):
    help = "Write a storefront's Google Merchant Center feed, or a seller's offers as a Shopify-like CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        google = kinds.add_parser("google", help="The storefront's Google Merchant Center feed (RSS 2.0).")
        google.add_argument("code", help="The storefront's code.")
        google.add_argument("path", help="Where to write it (- for the standard output).")
        offers = kinds.add_parser("offers", help="A seller's offers, as the CSV the import reads.")
        offers.add_argument("seller", help="The seller's slug.")
        offers.add_argument("path", help="Where to write it (- for the standard output).")

    def handle(self, *args: Any, kind: str, path: str, **options: Any) -> None:
        started = time.perf_counter()
        if kind == "google":
            storefront = Storefront.objects.filter(code=options["code"]).first()
            if storefront is None:
                raise CommandError(f"There is no storefront “{options['code']}”.")
            count = self._write(
                path, lambda out: google_feed_write(storefront=storefront, out=out), newline="\n"
            )
            what = f"{count:,} items"
        else:
            seller = Seller.objects.filter(slug=options["seller"]).first()
            if seller is None:
                raise CommandError(f"There is no seller “{options['seller']}”.")
            count = self._write(path, lambda out: seller_offers_write(seller=seller, out=out), newline="")
            what = f"{count:,} offers"
        if path != "-":
            self.stderr.write(f"{path}: {what} in {time.perf_counter() - started:.1f} s.")

    def _write(self, path: str, write: Callable[[TextIO], int], *, newline: str) -> int:
        if path == "-":
            return write(sys.stdout)
        target = Path(path)
        handle, temporary = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as out:
                count = write(out)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return count
