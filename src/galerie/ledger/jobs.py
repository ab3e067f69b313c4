"""Periodic jobs of the ledger, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.ledger.availability import seller_orders_make_available


@periodic("ledger.availability", every_seconds=3600)
def funds_become_available() -> int:
    """Make delivered seller orders' funds available after the withdrawal period (idempotent)."""
    return seller_orders_make_available()
