"""Periodic jobs of the seller terms, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.terms.services import terms_deemed_accept


@periodic("terms.deemed_acceptance", every_seconds=3600)
def deemed_acceptance() -> int:
    """Record as accepted, from its date, the current terms for the sellers that went on selling
    without accepting or leaving (P2B art. 3; docs/compliance.md)."""
    return terms_deemed_accept()
