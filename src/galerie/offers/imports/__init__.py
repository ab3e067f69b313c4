"""Bulk offer updates from a seller's file, CSV or XLSX, up to 100,000 rows (docs/offer-imports.md).

:func:`offer_import_create` vets and stores the file (a file that is not a CSV or XLSX, is empty,
too big or too long, or has no usable header is refused at once and nothing is stored).
:func:`offer_import_run` checks every row, records each problem with its row and column, then
applies all the valid rows in one transaction: a crash leaves none of them applied, never half.

- ``files``: reading the upload, CSV or XLSX by content, the header; refusing bad files.
- ``rows``: parsing one row's cells (price, stock, condition, GTIN…) on its own.
- ``checks``: checking rows against the seller's offers and the catalog.
- ``apply``: writing the valid rows, set-based on PostgreSQL, batched on SQLite.
- ``run``: the services, the run's lock, progress and status.
- ``selectors``: the seller area's reads.
"""

from galerie.offers.imports.files import COLUMNS, MAX_BYTES, MAX_ROWS
from galerie.offers.imports.rows import MAX_PRICE_MINOR
from galerie.offers.imports.run import (
    ADVISORY_LOCK_CLASS,
    Progress,
    offer_import_create,
    offer_import_run,
    offer_imports_resume,
)
from galerie.offers.imports.selectors import (
    offer_import_elapsed,
    offer_import_errors,
    offer_import_get_for_seller,
    offer_import_reviews_waiting,
    offer_imports_for_seller,
)

__all__ = [
    "ADVISORY_LOCK_CLASS",
    "COLUMNS",
    "MAX_BYTES",
    "MAX_PRICE_MINOR",
    "MAX_ROWS",
    "Progress",
    "offer_import_create",
    "offer_import_elapsed",
    "offer_import_errors",
    "offer_import_get_for_seller",
    "offer_import_reviews_waiting",
    "offer_import_run",
    "offer_imports_for_seller",
    "offer_imports_resume",
]
