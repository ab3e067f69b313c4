"""Periodic jobs of payments, run by ``galerie worker``."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.core.jobs import periodic
from galerie.payments.selectors import payments_awaiting_gateway
from galerie.payments.services import payment_refresh
from galerie.payments.testgateway.webhooks import deliver_due_webhooks

logger = logging.getLogger(__name__)

# Old enough that the webhook should have come; young enough to be worth asking again.
RECONCILE_WINDOW = (timedelta(minutes=15), timedelta(days=2))

# The test provider's outgoing webhooks: delivered when due, like a real provider's.
periodic("payments.test_webhooks", every_seconds=1)(deliver_due_webhooks)


@periodic("payments.reconcile", every_seconds=300)
def payments_reconcile() -> int:
    """Ask the gateway about payments stuck waiting on it (a lost webhook, a crash); return how many."""
    count = 0
    now = timezone.now()
    young, old = RECONCILE_WINDOW
    for payment_id in payments_awaiting_gateway(updated_after=now - old, updated_before=now - young):
        try:
            payment_refresh(payment_id=payment_id)
            count += 1
        except DomainError as error:
            logger.warning("payment %s could not be reconciled: %s", payment_id, error.message)
    return count
