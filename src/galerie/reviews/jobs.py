"""Periodic jobs of reviews, run by ``galerie worker``."""

from galerie.core.jobs import periodic
from galerie.reviews.services import review_requests_send


@periodic("reviews.requests", every_seconds=3600)
def requests() -> int:
    """E-mail a review request for each seller order delivered a week ago, once."""
    return review_requests_send()
