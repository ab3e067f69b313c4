"""The sellers app's periodic jobs: delete sellers' documents once their retention is over; close
the sellers whose notice of termination has run out."""

from django.utils import timezone

from galerie.core.jobs import periodic
from galerie.sellers.services.curation import seller_terminations_apply
from galerie.sellers.services.retention import seller_documents_purge


@periodic("sellers.documents_purge", every_seconds=24 * 3600)
def purge_seller_documents() -> int:
    return seller_documents_purge(now=timezone.now())


@periodic("sellers.terminations_due", every_seconds=3600)
def terminations_due() -> int:
    """Close the sellers whose 30 days' notice of termination has run out (P2B art. 4(1))."""
    return seller_terminations_apply()
