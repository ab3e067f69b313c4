"""The operator's moderation: product proposals, doubtful product matches and reported reviews,
as the back office decides them (/back-office/proposals/, /matches/, /reviews/), through the
same services.

Permissions: proposals ``catalog.view_productproposal`` / ``catalog.change_productproposal``;
matches ``catalog.view_matchreview`` / ``catalog.change_matchreview``; reviews
``reviews.view_review`` / ``reviews.change_review``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StringConstraints

from galerie.api.pagination import Page, paginate
from galerie.api.routers.operator_caller import staff
from galerie.api.schemas import Money, money, replies
from galerie.catalog.matching.reviews import (
    match_batch_apply,
    match_review_decide,
    match_review_undo,
    match_reviews_queue,
)
from galerie.catalog.models import MatchReview, Product, ProductProposal
from galerie.catalog.services_proposals import (
    product_proposal_duplicates,
    product_proposal_get,
    product_proposal_queue,
    product_proposal_reject,
)
from galerie.core.errors import InvalidInput
from galerie.offers.proposals import product_proposal_accept
from galerie.reviews import selectors as review_selectors
from galerie.reviews import services as review_services
from galerie.reviews.models import REASON_MAX, Review, ReviewReport

PROPOSALS_VIEW, PROPOSALS_CHANGE = "catalog.view_productproposal", "catalog.change_productproposal"
MATCHES_VIEW, MATCHES_CHANGE = "catalog.view_matchreview", "catalog.change_matchreview"
REVIEWS_VIEW, REVIEWS_CHANGE = "reviews.view_review", "reviews.change_review"

router = Router(tags=["operator"])

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


# --- product proposals ---------------------------------------------------------------------------


class ProductRef(Schema):
    id: int
    slug: str
    title: str


class ProposalRow(Schema):
    id: int
    status: str
    seller_id: int
    seller: str
    title: str
    brand_name: str
    gtin: str
    category: str
    product_type: str
    created_at: datetime


class ProposalOut(ProposalRow):
    description: str
    attributes: dict[str, Any]
    condition: str
    price: Money | None
    stock: int | None
    image_url: str | None
    reason: str
    product: ProductRef | None
    decided_by: str | None
    decided_at: datetime | None
    duplicates: list[ProductRef]


def _product(product: Product | None) -> dict[str, Any] | None:
    return None if product is None else {"id": product.pk, "slug": product.slug, "title": product.title}


def _proposal_row(p: ProductProposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "status": p.status,
        "seller_id": p.seller_id,
        "seller": p.seller.display_name,
        "title": p.title,
        "brand_name": p.brand_name,
        "gtin": p.gtin,
        "category": p.category.name,
        "product_type": p.product_type.name,
        "created_at": p.created_at,
    }


def _proposal(proposal_id: int) -> dict[str, Any]:
    p = product_proposal_get(proposal_id=proposal_id)
    return {
        **_proposal_row(p),
        "description": p.description,
        "attributes": p.attributes or {},
        "condition": p.condition,
        "price": money(p.price_minor, p.currency) if p.price_minor is not None else None,
        "stock": p.stock,
        "image_url": p.image.url if p.image else None,
        "reason": p.reason,
        "product": _product(p.product),
        "decided_by": p.decided_by.email if p.decided_by else None,
        "decided_at": p.decided_at,
        "duplicates": [_product(d) for d in product_proposal_duplicates(proposal=p)],
    }


@router.get(
    "/proposals",
    response=replies(Page[ProposalRow]),
    summary="Product proposals: pending first (oldest first), then the latest decisions",
)
def proposal_list(
    request: HttpRequest, status: str | None = None, limit: int = 50, after: str | None = None
) -> dict[str, Any]:
    staff(request, PROPOSALS_VIEW)
    if status and status not in ProductProposal.Status.values:
        raise InvalidInput({"status": [f"One of {', '.join(ProductProposal.Status.values)}."]})
    rows = product_proposal_queue(status=status or "")
    items, cursor = paginate(rows, after=after, limit=limit, ordering=("waiting", "oldest", "-id"))
    return {"items": [_proposal_row(p) for p in items], "next": cursor}


@router.get(
    "/proposals/{proposal_id}",
    response=replies(ProposalOut),
    summary="A product proposal, with the catalog's possible duplicates",
)
def proposal_detail(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    staff(request, PROPOSALS_VIEW)
    return _proposal(proposal_id)


class AcceptIn(Schema):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = (
        None
    )
    description: str | None = None


class ModerationReasonIn(Schema):
    reason: Reason


@router.post(
    "/proposals/{proposal_id}/accept",
    response=replies(ProposalOut),
    summary="Accept a proposal: the product (title and description correctable) and the seller's first offer",
)
def proposal_accept(request: HttpRequest, proposal_id: int, payload: AcceptIn) -> dict[str, Any]:
    by = staff(request, PROPOSALS_CHANGE).user
    product_proposal_accept(
        proposal_id=proposal_id, by=by, title=payload.title, description=payload.description
    )
    return _proposal(proposal_id)


@router.post(
    "/proposals/{proposal_id}/reject",
    response=replies(ProposalOut),
    summary="Reject a proposal, with the reason the seller is told",
)
def proposal_reject(request: HttpRequest, proposal_id: int, payload: ModerationReasonIn) -> dict[str, Any]:
    by = staff(request, PROPOSALS_CHANGE).user
    product_proposal_reject(proposal_id=proposal_id, by=by, reason=payload.reason)
    return _proposal(proposal_id)


# --- product matching reviews --------------------------------------------------------------------


class MatchOut(Schema):
    id: int
    batch: str
    status: str
    score: int
    candidate: dict[str, Any]
    reasons: list[Any]
    product: ProductRef | None
    variant_id: int | None
    seller_id: int | None
    decided_at: datetime | None
    committed_at: datetime | None


def _match(review: MatchReview) -> dict[str, Any]:
    return {
        "id": review.pk,
        "batch": review.batch,
        "status": review.status,
        "score": review.score,
        "candidate": review.candidate if isinstance(review.candidate, dict) else {},
        "reasons": review.reasons if isinstance(review.reasons, list) else [],
        "product": _product(review.product),
        "variant_id": review.variant_id,
        "seller_id": review.seller_id,
        "decided_at": review.decided_at,
        "committed_at": review.committed_at,
    }


@router.get(
    "/matches",
    response=replies(Page[MatchOut]),
    summary="Doubtful product matches, oldest first (filters: batch, status; default pending)",
)
def match_list(
    request: HttpRequest,
    batch: str = "",
    status: str = MatchReview.Status.PENDING,
    limit: int = 50,
    after: str | None = None,
) -> dict[str, Any]:
    staff(request, MATCHES_VIEW)
    if status != "all" and status not in MatchReview.Status.values:
        raise InvalidInput({"status": [f"One of {', '.join([*MatchReview.Status.values, 'all'])}."]})
    rows = match_reviews_queue(batch=batch[:120], status=status)
    items, cursor = paginate(rows, after=after, limit=limit, ordering=("id",))
    return {"items": [_match(r) for r in items], "next": cursor}


class MatchDecisionIn(Schema):
    decision: Literal["accept", "reject", "undo"]


@router.post(
    "/matches/{review_id}/decide",
    response=replies(MatchOut),
    summary="Accept (use the proposed product), reject (create it anew) or undo, until committed",
)
def match_decide(request: HttpRequest, review_id: int, payload: MatchDecisionIn) -> dict[str, Any]:
    by = staff(request, MATCHES_CHANGE).user
    if payload.decision == "undo":
        review = match_review_undo(review_id=review_id, by=by)
    else:
        review = match_review_decide(review_id=review_id, accept=payload.decision == "accept", by=by)
    review = match_reviews_queue(status="all").get(pk=review.pk)
    return _match(review)


class BatchIn(Schema):
    batch: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class CommitOut(Schema):
    batch: str
    applied: int


@router.post(
    "/matches/commit",
    response=replies(CommitOut),
    summary="Commit a batch whose every review is decided and apply its decisions",
)
def match_commit(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    by = staff(request, MATCHES_CHANGE).user
    return {"batch": payload.batch, "applied": match_batch_apply(batch=payload.batch, by=by)}


# --- reviews -------------------------------------------------------------------------------------


class ReportOut(Schema):
    reason: str
    details: str
    created_at: datetime


class ReviewOut(Schema):
    id: uuid.UUID
    status: str
    storefront: str
    product: ProductRef
    seller_id: int
    seller: str
    author_name: str
    product_stars: int
    seller_stars: int
    title: str
    text: str
    hidden_reason: str
    created_at: datetime
    open_reports: list[ReportOut]


OPEN_REPORTS = Prefetch(
    "reports", queryset=ReviewReport.objects.filter(resolved_at__isnull=True).order_by("id"), to_attr="open"
)


def _review(review: Review) -> dict[str, Any]:
    # A list prefetches the open reports (OPEN_REPORTS); one review reads them.
    open_reports = getattr(review, "open", None)
    if open_reports is None:
        open_reports = review_selectors.review_reports_open(review=review)
    return {
        "id": review.uuid,
        "status": review.status,
        "storefront": review.storefront.code,
        "product": _product(review.product),
        "seller_id": review.seller_id,
        "seller": review.seller.display_name,
        "author_name": review.author_name,
        "product_stars": review.product_stars,
        "seller_stars": review.seller_stars,
        "title": review.title,
        "text": review.text,
        "hidden_reason": review.hidden_reason,
        "created_at": review.created_at,
        "open_reports": [
            {"reason": r.reason, "details": r.details, "created_at": r.created_at} for r in open_reports
        ],
    }


@router.get(
    "/reviews",
    response=replies(Page[ReviewOut]),
    summary="Reviews to moderate: reported (open reports, oldest first) or hidden (latest first)",
)
def review_list(
    request: HttpRequest,
    state: Literal["reported", "hidden"] = "reported",
    limit: int = 50,
    after: str | None = None,
) -> dict[str, Any]:
    staff(request, REVIEWS_VIEW)
    if state == "hidden":
        rows, ordering = review_selectors.reviews_hidden(), ("-id",)
    else:
        rows, ordering = review_selectors.reviews_reported(), ("id",)
    items, cursor = paginate(rows.prefetch_related(OPEN_REPORTS), after=after, limit=limit, ordering=ordering)
    return {"items": [_review(r) for r in items], "next": cursor}


class ModerationIn(Schema):
    decision: Literal["keep", "hide", "publish"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=REASON_MAX)] = ""


@router.post(
    "/reviews/{review_id}/decide",
    response=replies(ReviewOut),
    summary="Keep a reported review, hide it (its author is told why) or publish a hidden one again",
)
def review_decide(request: HttpRequest, review_id: uuid.UUID, payload: ModerationIn) -> dict[str, Any]:
    by = staff(request, REVIEWS_CHANGE).user
    review = review_selectors.review_get_for_operator(review_uuid=str(review_id))
    if payload.decision == "hide":
        review_services.review_hide(review_id=review.pk, by=by, reason=payload.reason)
    elif payload.decision == "publish":
        review_services.review_publish(review_id=review.pk, by=by)
    else:
        review_services.review_keep(review_id=review.pk, by=by)
    return _review(review_selectors.review_get_for_operator(review_uuid=str(review_id)))
