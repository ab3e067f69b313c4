"""Reads of recalls: the operator's list, one recall and its report of who was reached."""

from __future__ import annotations

from django.db.models import QuerySet

from galerie.recalls.errors import RecallNotFound
from galerie.recalls.models import Recall, RecallNotice


def recalls_for_operator() -> QuerySet[Recall]:
    """Return every recall, the latest first, with its product."""
    return Recall.objects.select_related("product").order_by("-id")


def recall_get(*, recall_id: int) -> Recall:
    """Return one recall with its product; raise RecallNotFound."""
    recall = recalls_for_operator().filter(pk=recall_id).first()
    if recall is None:
        raise RecallNotFound("There is no such recall.")
    return recall


def recall_notices(*, recall: Recall) -> QuerySet[RecallNotice]:
    """Return a recall's buyers with their order, in customer order (the report)."""
    return (
        RecallNotice.objects.filter(recall=recall)
        .select_related("customer", "order", "order__storefront")
        .order_by("id")
    )


def recall_notices_pending(*, recall_id: int) -> QuerySet[RecallNotice]:
    """Return the notices still to e-mail, with what the e-mail needs."""
    return (
        RecallNotice.objects.filter(recall_id=recall_id, status=RecallNotice.Status.PENDING)
        .select_related("recall__product", "customer", "order__storefront")
        .order_by("id")
    )
