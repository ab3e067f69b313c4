"""Periodic jobs of notice and action, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.notices.services import notices_overdue_alert


@periodic("notices.overdue", every_seconds=300)
def overdue() -> int:
    """Tell the operator once of each notice whose decision deadline passed (rules.TARGET_HOURS)."""
    return notices_overdue_alert()
