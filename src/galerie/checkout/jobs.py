"""Periodic jobs of the checkout, run by ``galerie worker``."""

from galerie.checkout.services import checkout_reconcile
from galerie.core.jobs import periodic


@periodic("checkout.reconcile", every_seconds=30)
def reconcile() -> int:
    """Settle expired attempts and refund money taken without an order."""
    return checkout_reconcile()
