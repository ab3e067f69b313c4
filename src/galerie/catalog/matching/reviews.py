"""The review queue of doubtful matches: record, decide, undo, commit (docs/product-matching.md).

A review is recorded for a candidate whose result is ``review``. The operator accepts it (the
proposed product is used) or rejects it (the candidate will be created as a new product); a
decision can be changed or undone (back to pending) until the batch is committed, which
freezes every review of the batch. Every change is a ``StatusChange`` history row.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.catalog.matching.products import MatchResult, ProductCandidate
from galerie.catalog.models import MatchReview
from galerie.core.errors import DomainError, InvalidTransition, NotFound
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition

Status = MatchReview.Status


class MatchReviewNotFound(NotFound):
    code = "match_review_not_found"


class MatchBatchCommitted(DomainError):
    code = "match_batch_committed"


class MatchBatchUndecided(DomainError):
    code = "match_batch_undecided"


def match_reviews_create(
    *, batch: str, results: list[tuple[ProductCandidate, MatchResult]]
) -> list[MatchReview]:
    """Record a review for each result whose decision is ``review``, in one insert; return them."""
    rows = [
        MatchReview(
            batch=batch,
            candidate=candidate.as_dict(),
            product=result.product,
            variant=result.variant,
            score=result.score,
            reasons=result.reasons_as_dicts(),
        )
        for candidate, result in results
        if result.decision == "review"
    ]
    with transaction.atomic():
        created = MatchReview.objects.bulk_create(rows, batch_size=1000)
        if created:
            emit("match_review.created", batch=batch, count=len(created))
    return created


def match_reviews_queue(*, batch: str = "", status: str = Status.PENDING) -> QuerySet[MatchReview]:
    """Return the reviews for the operator, oldest first, filtered by batch and status ("" = all)."""
    rows = MatchReview.objects.select_related("product__brand", "variant", "decided_by")
    if batch:
        rows = rows.filter(batch=batch)
    if status in Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("id")


def match_review_batches() -> list[tuple[str, int]]:
    """Return the batches that have pending reviews, with their count."""
    from django.db.models import Count

    return list(
        MatchReview.objects.filter(status=Status.PENDING)
        .values_list("batch")
        .annotate(n=Count("id"))
        .order_by("batch")
        .values_list("batch", "n")
    )


def _locked(review_id: int) -> MatchReview:
    try:
        review = lock_row(MatchReview.objects.all(), review_id)
    except MatchReview.DoesNotExist:
        raise MatchReviewNotFound(_("There is no such match review.")) from None
    if review.committed_at is not None:
        raise MatchBatchCommitted(_("This batch is committed: its decisions can no longer change."))
    return review


@transaction.atomic
def match_review_decide(*, review_id: int, accept: bool, by: User) -> MatchReview:
    """Accept (use the proposed product) or reject (create as new at commit) a review; a change of
    mind is allowed until the batch is committed. Raise MatchBatchCommitted after."""
    review = _locked(review_id)
    to = Status.ACCEPTED if accept else Status.REJECTED
    if review.status == to:
        return review  # a retried request
    if accept and review.product_id is None:
        raise InvalidTransition(_("The proposed product no longer exists: reject the match."), field="status")
    review.decided_by, review.decided_at = by, timezone.now()
    transition(review, to=to, by=by, extra_fields=("decided_by", "decided_at"), batch=review.batch)
    return review


@transaction.atomic
def match_review_undo(*, review_id: int, by: User) -> MatchReview:
    """Put a decided review back to pending (until the batch is committed)."""
    review = _locked(review_id)
    if review.status == Status.PENDING:
        return review
    review.decided_by, review.decided_at = None, None
    transition(
        review, to=Status.PENDING, by=by, extra_fields=("decided_by", "decided_at"), batch=review.batch
    )
    return review


@transaction.atomic
def match_batch_commit(*, batch: str, by: User) -> int:
    """Freeze every decision of the batch; raise MatchBatchUndecided while any is pending.
    Return how many reviews it froze (0 when already committed: a retry)."""
    rows = MatchReview.objects.select_for_update().filter(batch=batch, committed_at__isnull=True)
    reviews = list(rows.order_by("id"))
    pending = sum(1 for review in reviews if review.status == Status.PENDING)
    if pending:
        raise MatchBatchUndecided(
            _("%(count)s match reviews of this batch are still pending: decide them first.")
            % {"count": pending}
        )
    now = timezone.now()
    count = MatchReview.objects.filter(pk__in=[r.pk for r in reviews]).update(
        committed_at=now, committed_by=by
    )
    if count:
        emit("match_batch.committed", batch=batch, count=count)
    return count
