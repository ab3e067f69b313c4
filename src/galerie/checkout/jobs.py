"""Periodic jobs of the checkout, run by ``galerie worker``."""

from datetime import timedelta

from django.utils import timezone

from galerie.checkout.services import RESERVATION_TTL, checkout_reconcile
from galerie.core.jobs import periodic, reconciler


@periodic("checkout.reconcile", every_seconds=30)
def reconcile() -> int:
    """Settle expired attempts and refund money taken without an order."""
    return checkout_reconcile()


@reconciler(
    "checkout.attempts",
    description="checkout attempts past their reservation: make the order, give the stock back or refund",
)
def reconcile_now(all_due: bool) -> int:
    """Settle the expired attempts; ``all_due``: every attempt still reserved, however recent."""
    return checkout_reconcile(
        now=timezone.now() + RESERVATION_TTL + timedelta(seconds=1) if all_due else None
    )
