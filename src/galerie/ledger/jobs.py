"""Periodic jobs of the ledger, run by ``galerie worker``."""

from datetime import timedelta

from galerie.core.jobs import due_before, periodic, reconciler
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.payouts import payout_runs_resume

# A payout run of 500 sellers a batch takes seconds; one untouched for this long was killed.
PAYOUT_RUN_STALE = timedelta(minutes=30)


@periodic("ledger.availability", every_seconds=3600)
def funds_become_available() -> int:
    """Make delivered seller orders' funds available after the withdrawal period (idempotent)."""
    return seller_orders_make_available()


@reconciler(
    "ledger.payout_runs_resume",
    description="payout runs left half-way (sellers paid in the ledger, no bank file): finish them",
    every_seconds=1800,
)
def payout_runs_resume_now(all_due: bool) -> int:
    """Finish the payout runs a killed process left half-way (their bank file is not written)."""
    return payout_runs_resume(started_before=due_before(all_due, PAYOUT_RUN_STALE))
