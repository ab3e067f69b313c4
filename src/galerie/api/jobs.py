"""The API's periodic job: forget idempotency keys after 24 hours."""

from galerie.api.idempotency import idempotency_records_purge
from galerie.core.jobs import periodic


@periodic("api.idempotency_purge", every_seconds=3600)
def purge_idempotency_records() -> int:
    return idempotency_records_purge()
