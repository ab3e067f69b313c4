"""Periodic jobs of invoices, run by ``galerie worker``."""

from django.utils import timezone

from galerie.core.jobs import periodic
from galerie.invoices.services import commission_invoices_issue, previous_month


@periodic("invoices.monthly_commissions", every_seconds=3600)
def monthly_commissions() -> int:
    """Issue last month's commission invoice of every seller that has none yet (cheap once done:
    the sellers already invoiced for the month are skipped)."""
    return len(commission_invoices_issue(month=previous_month(timezone.now())))
