"""Periodic jobs of invoices, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.invoices.services import commission_invoices_due


@periodic("invoices.monthly_commissions", every_seconds=3600)
def monthly_commissions() -> int:
    """Issue last month's commission invoice of every seller that has none yet; once the month is
    recorded done, a single indexed lookup."""
    return len(commission_invoices_due())
