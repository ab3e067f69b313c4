"""The back office's review queue of doubtful product matches: incoming and proposed side by
side, accept / reject / undo, filtered by batch, and the commit of a batch whose every review is
decided when its caller registered an applier (docs/product-matching.md)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from galerie.catalog.matching.reviews import (
    match_batch_apply,
    match_batches_to_commit,
    match_review_batches,
    match_review_decide,
    match_review_undo,
    match_reviews_queue,
)
from galerie.catalog.models import MatchReview, ProductImage
from galerie.core.errors import DomainError
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

PAGE_SIZE = 50


def _signal_label(signal: str) -> str:
    if signal.startswith("attribute:"):
        return _("Key attribute “%(code)s”") % {"code": signal.partition(":")[2]}
    labels = {
        "gtin": _("GTIN / ISBN"),
        "brand": _("Brand"),
        "title": _("Title similarity"),
        "attributes": _("Key attributes"),
    }
    return labels.get(signal, signal)


def _note(note: str) -> str:
    notes = {
        "invalid": _("not a valid GTIN or ISBN"),
        "not_in_catalog": _("not in the catalog"),
        "no_brand": _("no brand: the title alone is not enough"),
        "brand_unknown": _("no product of this brand in the catalog"),
        "no_close_title": _("no title of the brand is close enough"),
    }
    return notes.get(note, note)


def _reasons(review: MatchReview) -> list[dict[str, object]]:
    """The review's signals in the reader's language: label, verdict, values, points."""
    return [
        {
            "label": _signal_label(str(reason.get("signal", ""))),
            "agrees": reason.get("agrees"),
            "detail": reason.get("detail", ""),
            "note": _note(str(reason.get("note", ""))),
            "points": reason.get("points", 0),
        }
        for reason in review.reasons
        if isinstance(reason, dict)
    ]


def _back(batch: str, status: str) -> str:
    query = {k: v for k, v in (("batch", batch), ("status", status)) if v}
    return reverse("back_office:matches") + (f"?{urlencode(query)}" if query else "")


@operator_view()
def match_queue(request: OperatorRequest) -> HttpResponse:
    batch = request.GET.get("batch", "")[:120]
    status = request.GET.get("status", MatchReview.Status.PENDING)
    status = status if status in MatchReview.Status.values or status == "all" else MatchReview.Status.PENDING
    images = Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
    reviews = list(match_reviews_queue(batch=batch, status=status).prefetch_related(images)[:PAGE_SIZE])
    for review in reviews:
        review.signals = _reasons(review)  # type: ignore[attr-defined]
    return render(
        request,
        "galerie/operator/matches.html",
        {
            "reviews": reviews,
            "batch": batch,
            "status": status,
            "batches": match_review_batches(),
            "to_commit": match_batches_to_commit(),
            "statuses": [*MatchReview.Status.choices, ("all", _("All"))],
            "page_size": PAGE_SIZE,
        },
    )


@operator_view(methods=("POST",))
def match_decide(request: OperatorRequest, review_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    back = _back(request.POST.get("batch", "")[:120], request.POST.get("status", ""))
    try:
        if action in ("accept", "reject"):
            match_review_decide(review_id=review_id, accept=action == "accept", by=request.user)
            messages.success(
                request,
                _("Accepted: the proposed product will be used.")
                if action == "accept"
                else _("Rejected: it will be created as a new product."),
            )
        elif action == "undo":
            match_review_undo(review_id=review_id, by=request.user)
            messages.success(request, _("Undone: the match is pending again."))
        else:
            messages.error(request, _("Choose accept, reject or undo."))
    except DomainError as error:
        if error.http_status == 404:
            raise
        messages.error(request, error.message)
    return redirect(back)


@operator_view(methods=("POST",))
def match_commit(request: OperatorRequest) -> HttpResponse:
    batch = request.POST.get("batch", "")[:120]
    back = _back(request.POST.get("filter_batch", "")[:120], request.POST.get("status", ""))
    try:
        count = match_batch_apply(batch=batch, by=request.user)
    except DomainError as error:
        if error.http_status == 404:
            raise
        messages.error(request, error.message)
    else:
        if count:
            messages.success(
                request,
                _("Batch %(batch)s committed: its %(count)s decisions are applied.")
                % {"batch": batch, "count": count},
            )
        else:
            messages.info(request, _("Batch %(batch)s was already committed.") % {"batch": batch})
    return redirect(back)
