"""The sellers app's periodic job: delete sellers' documents once their retention is over."""

from django.utils import timezone

from galerie.core.jobs import periodic
from galerie.sellers.services.retention import seller_documents_purge


@periodic("sellers.documents_purge", every_seconds=24 * 3600)
def purge_seller_documents() -> int:
    return seller_documents_purge(now=timezone.now())
