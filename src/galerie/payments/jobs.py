"""Periodic jobs of payments, run by ``galerie worker``."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.core.jobs import periodic, reconciler
from galerie.payments.selectors import payments_awaiting_gateway, payments_with_refunds_pending
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
    return payments_reconcile_now(all_due=False)


@reconciler(
    "payments.awaiting_gateway",
    description="payments left pending or being captured: ask the gateway what became of them",
)
def payments_reconcile_now(all_due: bool) -> int:
    """Refresh the payments waiting on the gateway; ``all_due``: however recently they changed."""
    count = 0
    now = timezone.now()
    young, old = RECONCILE_WINDOW
    before = now + timedelta(seconds=1) if all_due else now - young
    for payment_id in payments_awaiting_gateway(updated_after=now - old, updated_before=before):
        count += _refresh(payment_id)
    return count


@periodic("payments.refunds_pending", every_seconds=300)
def refunds_pending() -> int:
    """Ask the gateway about refunds still pending on our side (a lost webhook, a crash)."""
    return refunds_pending_now(all_due=False)


@reconciler(
    "payments.refunds_pending",
    description="refunds the gateway may have made that we never recorded: ask it, record them",
)
def refunds_pending_now(all_due: bool) -> int:
    """Refresh the payments that have a refund pending; ``all_due``: however recent the refund."""
    now = timezone.now()
    young, old = RECONCILE_WINDOW
    before = now + timedelta(seconds=1) if all_due else now - young
    pending = payments_with_refunds_pending(created_after=now - old, created_before=before)
    return sum(_refresh(pk) for pk in pending)


@reconciler(
    "payments.test_webhooks",
    description="the test gateway's webhooks not yet delivered (leased or backing off): deliver them",
)
def test_webhooks_now(all_due: bool) -> int:
    """Deliver the test provider's due webhooks; ``all_due``: those leased or waiting to retry too."""
    return deliver_due_webhooks(now=timezone.now() + timedelta(hours=2) if all_due else None)


def _refresh(payment_id: int) -> int:
    try:
        payment_refresh(payment_id=payment_id)
    except DomainError as error:
        logger.warning("payment %s could not be reconciled: %s", payment_id, error.message)
        return 0
    return 1
