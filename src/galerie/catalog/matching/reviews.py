"""The review queue of doubtful matches: record, decide, undo, commit (docs/product-matching.md).

A review is recorded for a candidate whose result is ``review``. The operator accepts it (the
proposed product is used) or rejects it (the candidate will be created as a new product); a
decision can be changed or undone (back to pending) until the batch is committed, which
freezes every review of the batch. Every change is a ``StatusChange`` history row.

Applying the decisions is the caller's business, not the catalog's: the caller of a batch
(a merchant file's import, a storefront bundle's merge) sits in an app above the catalog, which
must not import it (docs/architecture.md, layers). So a caller registers an *applier* for the
prefix of its batch labels (``offers-import:``) with
:func:`match_batch_applier_register`, in its ``AppConfig.ready()`` — as the apps above sellers
register their closure hooks with ``sellers.closing``: the registry is complete once Django is
set up, whatever module a page or a command happened to import first, and the catalog never
names the apps that fill it. :func:`match_batch_apply` commits a batch and calls its applier in
one transaction; the back office's *Commit decisions* button calls it. A storefront merge
(``merge:``) registers none: its commit writes the whole storefront and freezes its batch in
the same transaction (docs/storefront-merge.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Count, Q, QuerySet
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


class MatchBatchApplier(Protocol):
    """Apply a committed batch's decisions: ``applier(reviews=…, by=…)``, inside the commit's
    transaction; the reviews are the batch's, oldest first, each accepted or rejected."""

    def __call__(self, *, reviews: list[MatchReview], by: User) -> None: ...


_APPLIERS: dict[str, MatchBatchApplier] = {}


def match_batch_applier_register(prefix: str, applier: MatchBatchApplier) -> None:
    """Register the applier of the batches whose label starts with ``prefix`` (once per prefix:
    registering it again replaces it, so that a reloaded app does not add a second one)."""
    if not prefix:
        raise ValueError("An applier needs a batch prefix such as “offers-import:”.")
    _APPLIERS[prefix] = applier


def match_batch_applier(batch: str) -> MatchBatchApplier | None:
    """Return the applier registered for the batch's label (the longest prefix wins), or None."""
    found = [prefix for prefix in _APPLIERS if batch.startswith(prefix)]
    return _APPLIERS[max(found, key=len)] if found else None


def match_reviews_create(
    *,
    batch: str,
    results: list[tuple[ProductCandidate, MatchResult]],
    seller_id: int | None = None,
    payloads: Sequence[dict[str, Any] | None] | None = None,
) -> list[MatchReview]:
    """Record a review for each result whose decision is ``review``, in one insert; return them.

    ``seller_id`` and ``payloads`` (one per result, in their order) are what the batch's applier
    needs to apply a decision later; the catalog keeps them as they are.
    """
    if payloads is not None and len(payloads) != len(results):
        raise ValueError("One payload per result, or none.")
    extras: Sequence[dict[str, Any] | None] = payloads if payloads is not None else [None] * len(results)
    rows = [
        MatchReview(
            batch=batch,
            candidate=candidate.as_dict(),
            product=result.product,
            variant=result.variant,
            score=result.score,
            reasons=result.reasons_as_dicts(),
            seller_id=seller_id,
            payload=payload,
        )
        for (candidate, result), payload in zip(results, extras, strict=True)
        if result.decision == "review"
    ]
    with transaction.atomic():
        created = MatchReview.objects.bulk_create(rows, batch_size=1000)
        if created:
            emit("match_review.created", batch=batch, count=len(created))
    return created


def match_reviews_queue(*, batch: str = "", status: str = Status.PENDING) -> QuerySet[MatchReview]:
    """Return the reviews for the operator, oldest first, filtered by batch and status ("" = all)."""
    rows = MatchReview.objects.select_related("product__brand", "variant", "decided_by", "seller")
    if batch:
        rows = rows.filter(batch=batch)
    if status in Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("id")


def match_review_batches() -> list[tuple[str, int]]:
    """Return the batches that have pending reviews, with their count."""
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


def match_batches_to_commit() -> list[tuple[str, int]]:
    """Return the batches whose every review is decided and not yet committed, and that have an
    applier (the others are committed by their own caller), with their count of reviews."""
    rows = (
        MatchReview.objects.filter(committed_at__isnull=True)
        .values("batch")
        .annotate(n=Count("id"), pending=Count("id", filter=Q(status=Status.PENDING)))
        .filter(pending=0)
        .order_by("batch")
        .values_list("batch", "n")
    )
    return [(batch, n) for batch, n in rows if match_batch_applier(batch) is not None]


@transaction.atomic
def match_batch_apply(*, batch: str, by: User) -> int:
    """Commit the batch (:func:`match_batch_commit`) and apply its decisions through the applier
    registered for its prefix, in one transaction: a failing applier leaves the batch uncommitted
    and its decisions reversible. Return how many reviews it applied (0 for a retry: a committed
    batch was applied in its commit's transaction). Raises MatchBatchUndecided while a review is
    pending, MatchReviewNotFound for a batch without an applier or without reviews."""
    applier = match_batch_applier(batch)
    if applier is None or not MatchReview.objects.filter(batch=batch).exists():
        raise MatchReviewNotFound(_("No match batch of that name can be committed from here."))
    waiting = MatchReview.objects.select_for_update().filter(batch=batch, committed_at__isnull=True)
    ids = list(waiting.order_by("id").values_list("id", flat=True))
    count = match_batch_commit(batch=batch, by=by)
    if count:
        reviews = list(
            MatchReview.objects.filter(pk__in=ids)
            .select_related("product__category", "variant", "seller")
            .order_by("id")
        )
        applier(reviews=reviews, by=by)
    return count
