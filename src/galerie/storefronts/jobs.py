"""Periodic jobs of storefronts, run by ``galerie worker`` (docs/storefront-closure.md)."""

import logging

from galerie.core.jobs import periodic
from galerie.storefronts.closure import storefronts_closure_finish_due, storefronts_sales_stop

logger = logging.getLogger(__name__)


@periodic("storefronts.sales_stop", every_seconds=300)
def sales_stop() -> int:
    """Mark the closing storefronts whose closing date has come: their cached pages go stale."""
    return storefronts_sales_stop()


@periodic("storefronts.closure_finish", every_seconds=3600)
def closure_finish() -> int:
    """Close for good the closing storefronts past their date with nothing left open."""
    return storefronts_closure_finish_due(log=logger.info)
