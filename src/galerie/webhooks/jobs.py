"""Periodic jobs of the webhooks app, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.webhooks.sending import BATCH, webhooks_send_due

MAX_BATCHES = 5


@periodic("webhooks.send_due", every_seconds=5)
def send_due() -> int:
    """Send the due webhook deliveries, a batch after another while batches come back full (at
    most ``MAX_BATCHES`` in a run, so that slow receivers do not hold the worker for long)."""
    done = 0
    for _ in range(MAX_BATCHES):
        result = webhooks_send_due()
        done += result.delivered + result.failed
        if result.claimed < BATCH:
            break
    return done
