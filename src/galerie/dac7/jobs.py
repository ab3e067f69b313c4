"""Periodic jobs of the DAC7 app, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.dac7.services import dac7_reminders_send


@periodic("dac7.reminders", every_seconds=6 * 3600)
def dac7_reminders() -> int:
    """Remind sellers whose DAC7 data is missing; hold or release their payouts (idempotent)."""
    return dac7_reminders_send()
