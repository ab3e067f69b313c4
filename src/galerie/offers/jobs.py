"""Periodic jobs of offers, run by ``galerie worker``."""

from datetime import timedelta

from django.utils import timezone

from galerie.core.jobs import periodic, reconciler
from galerie.offers.imports import offer_imports_resume

# An import whose process died: on PostgreSQL its advisory lock is gone at once, so any age will do.
IMPORT_STALE = timedelta(minutes=10)


@periodic("offers.imports_resume", every_seconds=600)
def imports_unfinished() -> int:
    """Run again the imports a killed process left half-way (its queued event was delivered)."""
    return imports_resume_now(all_due=False)


@reconciler(
    "offers.imports_resume",
    description="offer imports a killed process left checking or applying: run them again from the start",
)
def imports_resume_now(all_due: bool) -> int:
    now = timezone.now()
    return offer_imports_resume(started_before=now + timedelta(seconds=1) if all_due else now - IMPORT_STALE)
