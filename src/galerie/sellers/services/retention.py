"""The retention of sellers' documents: identity papers, register extracts and bank details go
six months after the seller relationship ends (closed or rejected), docs/privacy.md."""

from __future__ import annotations

import calendar
from datetime import datetime
from functools import partial

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max

from galerie.core.models import StatusChange
from galerie.core.outbox import emit
from galerie.sellers.models import Seller, SellerDocument
from galerie.sellers.selectors import SELLER_MODEL_LABEL

DOCUMENTS_KEPT_MONTHS = 6
ENDED = (Seller.Status.CLOSED, Seller.Status.REJECTED)


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` shifted back by calendar months, the day clamped to the month's last (31 Aug - 6
    months = 28 or 29 Feb)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def seller_documents_due(*, now: datetime) -> list[int]:
    """Return the ids of the sellers whose relationship ended (the transition to closed or rejected)
    DOCUMENTS_KEPT_MONTHS ago or more and who still have documents."""
    cutoff = months_before(now, DOCUMENTS_KEPT_MONTHS)
    candidates = {
        str(pk): pk
        for pk in Seller.objects.filter(status__in=ENDED, documents__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    }
    if not candidates:
        return []
    ended = (
        StatusChange.objects.filter(
            model=SELLER_MODEL_LABEL, object_pk__in=list(candidates), to_status__in=list(ENDED)
        )
        .values("object_pk")
        .annotate(ended_at=Max("at"))
        .filter(ended_at__lte=cutoff)
    )
    return sorted(candidates[row["object_pk"]] for row in ended)


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


def seller_documents_purge(*, now: datetime, batch: int = 200) -> int:
    """Delete the documents (rows, then files once committed) of the sellers whose relationship
    ended DOCUMENTS_KEPT_MONTHS ago; return how many documents went. Safe to run twice."""
    deleted = 0
    for seller_id in seller_documents_due(now=now)[:batch]:
        with transaction.atomic():
            seller = Seller.objects.select_for_update().get(pk=seller_id)
            if seller.status not in ENDED:  # reopened meanwhile: nothing to do
                continue
            documents = list(SellerDocument.objects.filter(seller_id=seller_id))
            files = [(doc.file.storage, doc.file.name) for doc in documents if doc.file]
            SellerDocument.objects.filter(pk__in=[doc.pk for doc in documents]).delete()
            deleted += len(documents)
            emit("seller.documents_purged", seller_id=seller_id, documents=len(documents))
            transaction.on_commit(partial(_delete_files, files))
    return deleted


__all__ = ["DOCUMENTS_KEPT_MONTHS", "months_before", "seller_documents_due", "seller_documents_purge"]
