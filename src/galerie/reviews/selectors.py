"""Reads of reviews, each scoped to its actor: the customer's own lines, the seller's own
reviews, the public published ones, the operator's queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.orders.models import Order, OrderLine
from galerie.reviews.errors import ReviewNotFound
from galerie.reviews.models import RatingSummary, Review, ReviewReport
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


@dataclass(frozen=True)
class Rating:
    """An average and a count, as the pages show them."""

    count: int
    average_centi: int

    @property
    def average(self) -> float:
        return self.average_centi / 100

    @property
    def rounded(self) -> int:  # whole stars drawn
        return (self.average_centi + 50) // 100


@dataclass(frozen=True)
class ShownReview:
    uuid: str
    stars: int
    title: str
    text: str
    author: str
    date: dt.date
    reply: str
    replied: dt.date | None


@dataclass
class ProductReviews:
    rating: Rating | None
    reviews: list[ShownReview] = field(default_factory=list)
    seller_ratings: dict[int, Rating | None] = field(default_factory=dict)  # by seller id


def _rating(summary: RatingSummary | None) -> Rating | None:
    if summary is None or not summary.count:
        return None
    return Rating(count=summary.count, average_centi=summary.average_centi)


def product_reviews_block(*, storefront: Storefront, product: Any, offers: list[Any]) -> ProductReviews:
    """Return the product's rating, its latest published reviews and the rating of the seller of
    each offer: one query on the summaries, whatever the number of offers."""
    seller_ids = sorted({offer.seller.pk for offer in offers})
    wanted = Q(kind=RatingSummary.Kind.PRODUCT, subject_id=product.pk)
    if seller_ids:
        wanted |= Q(kind=RatingSummary.Kind.SELLER, subject_id__in=seller_ids)
    found = {(s.kind, s.subject_id): s for s in RatingSummary.objects.filter(wanted, storefront=storefront)}
    summary = found.get((RatingSummary.Kind.PRODUCT, product.pk))
    reviews = [
        ShownReview(
            uuid=r["uuid"],
            stars=r["stars"],
            title=r["title"],
            text=r["text"],
            author=r["author"],
            date=dt.date.fromisoformat(r["date"]),
            reply=r["reply"],
            replied=dt.date.fromisoformat(r["replied"]) if r["replied"] else None,
        )
        for r in (summary.recent if summary is not None and summary.count else [])
    ]
    return ProductReviews(
        rating=_rating(summary),
        reviews=reviews,
        seller_ratings={pk: _rating(found.get((RatingSummary.Kind.SELLER, pk))) for pk in seller_ids},
    )


def seller_rating(*, storefront: Storefront, seller: Seller) -> Rating | None:
    """Return the seller's rating on this storefront (None without published reviews)."""
    summary = RatingSummary.objects.filter(
        storefront=storefront, kind=RatingSummary.Kind.SELLER, subject_id=seller.pk
    ).first()
    return _rating(summary)


def order_reviews(*, order: Order) -> dict[int, Review]:
    """Return the reviews of this order's lines by line id (one query); the caller has scoped
    the order to its customer."""
    return {r.order_line_id: r for r in Review.objects.filter(seller_order__order_id=order.pk)}


def order_line_for_review(*, customer: User, storefront: Storefront, number: str, line_id: int) -> OrderLine:
    """Return one line of the customer's order on this storefront; ReviewNotFound otherwise."""
    line = (
        OrderLine.objects.select_related("seller_order__order", "seller_order__seller", "variant__product")
        .filter(
            pk=line_id,
            seller_order__order__number=number,
            seller_order__order__customer_id=customer.pk,
            seller_order__order__storefront_id=storefront.pk,
        )
        .first()
    )
    if line is None:
        raise ReviewNotFound(_("No such item in your orders."))
    return line


def review_get_public(*, storefront: Storefront, review_uuid: str) -> Review:
    """Return a published review of this storefront by its uuid; ReviewNotFound otherwise."""
    review = Review.objects.filter(
        storefront=storefront, uuid=review_uuid, status=Review.Status.PUBLISHED
    ).first()
    if review is None:
        raise ReviewNotFound(_("No such review."))
    return review


def seller_reviews(*, seller: Seller) -> QuerySet[Review]:
    """The reviews of the seller's sales, newest first, with their product and storefront."""
    return Review.objects.filter(seller=seller).select_related("product", "storefront").order_by("-id")


def seller_reviews_unanswered_count(*, seller: Seller) -> int:
    """How many published reviews of the seller's sales have no reply yet."""
    return Review.objects.filter(
        seller=seller, status=Review.Status.PUBLISHED, replied_at__isnull=True
    ).count()


def review_get_for_seller(*, seller: Seller, review_uuid: str) -> Review:
    """Return a review of the seller's own sales; ReviewNotFound otherwise."""
    review = Review.objects.filter(seller=seller, uuid=review_uuid).first()
    if review is None:
        raise ReviewNotFound(_("No such review of your sales."))
    return review


def reviews_reported() -> QuerySet[Review]:
    """The reviews with open reports, oldest report first, with the count of open reports."""
    # Not ``filter(reports__resolved_at__isnull=True)``: across the reverse relation that is a
    # LEFT JOIN, which a review without any report passes too.
    open_reports = ReviewReport.objects.filter(resolved_at__isnull=True)
    return (
        Review.objects.filter(pk__in=open_reports.values("review_id"))
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .select_related("product", "seller", "storefront")
        .order_by("id")
    )


def review_reports_open(*, review: Review) -> list[ReviewReport]:
    return list(review.reports.filter(resolved_at__isnull=True).order_by("id"))


def review_get_for_operator(*, review_uuid: str) -> Review:
    review = Review.objects.filter(uuid=review_uuid).select_related("product", "seller", "storefront").first()
    if review is None:
        raise ReviewNotFound(_("No such review."))
    return review


def reviews_hidden() -> QuerySet[Review]:
    """The hidden reviews, latest first: the operator may publish one again."""
    return (
        Review.objects.filter(status=Review.Status.HIDDEN)
        .select_related("product", "seller", "storefront")
        .order_by("-id")
    )
