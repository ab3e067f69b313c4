"""Periodic jobs of payments, run by ``galerie worker``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.core.jobs import due_before, periodic, reconciler
from galerie.payments.selectors import payments_awaiting_gateway, payments_with_refunds_pending
from galerie.payments.services import payment_refresh
from galerie.payments.testgateway.webhooks import deliver_due_webhooks

logger = logging.getLogger(__name__)

# Old enough that the webhook should have come; young enough to be worth asking again.
RECONCILE_WINDOW = (timedelta(minutes=15), timedelta(days=2))

# The test provider's outgoing webhooks: delivered when due, like a real provider's.
periodic("payments.test_webhooks", every_seconds=1)(deliver_due_webhooks)


@reconciler(
    "payments.awaiting_gateway",
    description="payments left pending or being captured: ask the gateway what became of them",
    every_seconds=300,
    job="payments.reconcile",
)
def payments_reconcile(all_due: bool = False) -> int:
    """Ask the gateway about payments stuck waiting on it (a lost webhook, a crash); return how
    many. ``all_due``: however recently they changed."""
    since, before = _window(all_due)
    return sum(_refresh(pk) for pk in payments_awaiting_gateway(updated_after=since, updated_before=before))


@reconciler(
    "payments.refunds_pending",
    description="refunds the gateway may have made that we never recorded: ask it, record them",
    every_seconds=300,
)
def refunds_pending(all_due: bool = False) -> int:
    """Ask the gateway about refunds still pending on our side (a lost webhook, a crash);
    ``all_due``: however recent the refund."""
    since, before = _window(all_due)
    pending = payments_with_refunds_pending(created_after=since, created_before=before)
    return sum(_refresh(pk) for pk in pending)


@reconciler(
    "payments.test_webhooks",
    description="the test gateway's webhooks not yet delivered (leased or backing off): deliver them",
)
def test_webhooks_now(all_due: bool) -> int:
    """Deliver the test provider's due webhooks; ``all_due``: those leased or waiting to retry too."""
    return deliver_due_webhooks(now=timezone.now() + timedelta(hours=2) if all_due else None)


def _window(all_due: bool) -> tuple[datetime, datetime]:
    """The reconcile window, (since, before): young enough to be worth asking, old enough that
    the webhook should have come (or anything, with ``all_due``)."""
    young, old = RECONCILE_WINDOW
    return timezone.now() - old, due_before(all_due, young)


def _refresh(payment_id: int) -> int:
    try:
        payment_refresh(payment_id=payment_id)
    except DomainError as error:
        logger.warning("payment %s could not be reconciled: %s", payment_id, error.message)
        return 0
    return 1
