"""Periodic jobs of offers, run by ``galerie worker``."""

from datetime import timedelta

from galerie.core.jobs import due_before, reconciler
from galerie.offers.imports import offer_imports_resume

# An import whose process died: on PostgreSQL its advisory lock is gone at once, so any age will do.
IMPORT_STALE = timedelta(minutes=10)


@reconciler(
    "offers.imports_resume",
    description="offer imports a killed process left checking or applying: run them again from the start",
    every_seconds=600,
)
def imports_resume_now(all_due: bool) -> int:
    """Run again the imports a killed process left half-way (its queued event was delivered)."""
    return offer_imports_resume(started_before=due_before(all_due, IMPORT_STALE))
