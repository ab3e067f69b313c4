"""Reads of offer imports for the seller area: a seller's imports, one of them, its problems."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from galerie.catalog.models import MatchReview
from galerie.offers.errors import OfferImportNotFound
from galerie.offers.models import OfferImport, OfferImportError
from galerie.sellers.models import Seller


def offer_imports_for_seller(*, seller: Seller) -> QuerySet[OfferImport]:
    """Return the seller's imports, latest first."""
    return OfferImport.objects.filter(seller=seller).select_related("uploaded_by").order_by("-id")


def offer_import_get_for_seller(*, seller: Seller, import_id: int) -> OfferImport:
    """Return the seller's import ``import_id``; raise OfferImportNotFound for any other seller's."""
    try:
        return offer_imports_for_seller(seller=seller).get(pk=import_id)
    except OfferImport.DoesNotExist:
        raise OfferImportNotFound(f"There is no import {import_id} for this shop.") from None


def offer_import_errors(*, offer_import: OfferImport) -> QuerySet[OfferImportError]:
    """Return the problems of an import (already scoped to its seller), by row."""
    return OfferImportError.objects.filter(offer_import=offer_import).order_by("row", "id")


def offer_import_elapsed(offer_import: OfferImport) -> float | None:
    """Return how many seconds the last run took (or has taken so far)."""
    if offer_import.started_at is None:
        return None
    end = offer_import.finished_at or timezone.now()
    return max((end - offer_import.started_at).total_seconds(), 0.0)


def offer_import_reviews_waiting(*, offer_import: OfferImport) -> int:
    """Return how many rows of a merchant import wait for the operator's match review (not committed)."""
    from galerie.offers.formats.reviews import REVIEW_BATCH_PREFIX

    return MatchReview.objects.filter(
        batch=f"{REVIEW_BATCH_PREFIX}{offer_import.pk}", committed_at__isnull=True
    ).count()
