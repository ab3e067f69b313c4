"""What the worker does with the offers' outbox events (collected by the worker's autodiscovery)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.offers.errors import OfferImportNotFound
from galerie.offers.imports import offer_import_run
from galerie.offers.services import book_offers_reprice

logger = logging.getLogger(__name__)


def offer_import_queued(event: OutboxEvent) -> None:
    """Run a queued offer import (check, then apply); safe to deliver twice.

    An import already applied or checked is left as it is. While another process runs it,
    OfferImportBusy is raised so that the worker tries again later: by then it is done, or its
    process died and this run starts it again from scratch.
    """
    try:
        offer_import = offer_import_run(import_id=event.payload["import_id"])
    except OfferImportNotFound:
        logger.warning("offer import %s no longer exists: nothing to run", event.payload["import_id"])
        return
    logger.info(
        "offer import %s: %s, %s rows, %s errors", offer_import.pk, offer_import.status,
        offer_import.total_rows, offer_import.error_rows,
    )  # fmt: skip


def publisher_price_changed(event: OutboxEvent) -> None:
    """Keep a book's new offers at its publisher's price (loi Lang); safe to deliver twice."""
    changed = book_offers_reprice(product_id=event.payload["product_id"])
    logger.info(
        "product %s: %s new offers follow its publisher's price", event.payload["product_id"], changed
    )


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "offer_import.queued": [offer_import_queued],
    "product.publisher_price_changed": [publisher_price_changed],
}
