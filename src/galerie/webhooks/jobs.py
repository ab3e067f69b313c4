"""Periodic jobs of the webhooks app, run by ``galerie worker``."""

import time

from galerie.core.jobs import periodic
from galerie.webhooks.sending import BATCH, webhooks_send_due

BUDGET_SECONDS = 20.0


@periodic("webhooks.send_due", every_seconds=5)
def send_due() -> int:
    """Send the due webhook deliveries, a batch after another while batches come back full, for
    at most ``BUDGET_SECONDS`` (a receiver may take 10 s to time out: the worker's other work,
    e-mails and postings, must not wait behind a slow one)."""
    done = 0
    started = time.monotonic()
    while (left := BUDGET_SECONDS - (time.monotonic() - started)) > 0:
        result = webhooks_send_due(budget_seconds=left)
        done += result.delivered + result.failed
        if result.claimed < BATCH or result.released:
            break
    return done
