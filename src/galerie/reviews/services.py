"""Every write of reviews: create (verified buyers only), report, hide, publish again, keep,
the seller's reply, the review-request job; each keeps the rating summaries current in its own
transaction (docs/reviews.md)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core import surrogates
from galerie.core.actors import Actor
from galerie.core.errors import InvalidInput
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.orders.models import OrderLine, SellerOrder
from galerie.reviews.errors import (
    ReplyAlreadyWritten,
    ReviewAlreadyWritten,
    ReviewNotAllowed,
    ReviewNotFound,
)
from galerie.reviews.models import (
    REASON_MAX,
    REPLY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    RatingSummary,
    Review,
    ReviewReport,
    ReviewRequest,
)
from galerie.sellers.models import Seller

# A customer may review a delivered line for a year; the request e-mail goes this many days after
# delivery (time to use the product), and never for a delivery older than REQUEST_UNTIL_DAYS
# (a job switched on late must not e-mail years of customers).
REVIEW_WINDOW_DAYS = 365
REQUEST_AFTER_DAYS = 7
REQUEST_UNTIL_DAYS = 60
RECENT = 5  # the latest published reviews kept in a product's summary, shown on its page

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Return ``text`` as plain text to store: NFC, no control or bidi characters, LF line ends,
    at most one blank line in a row, trimmed. Never HTML: every page and e-mail escapes it."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.replace("\t", " "))
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _limited(errors: dict[str, list[str]], field: str, text: str, limit: int) -> str:
    cleaned = clean_text(text)
    if len(cleaned) > limit:
        errors.setdefault(field, []).append(
            _("At most %(limit)d characters, this one has %(n)d.") % {"limit": limit, "n": len(cleaned)}
        )
    return cleaned


def _stars(errors: dict[str, list[str]], field: str, value: object) -> int:
    try:
        stars = int(str(value))
    except ValueError:
        stars = 0
    if not 1 <= stars <= 5:
        errors.setdefault(field, []).append(_("Choose from 1 to 5 stars."))
    return stars


def author_name(user: User) -> str:
    """The name a review shows: the first name and the initial of the last (“Marie D.”), never
    the e-mail address; empty when the customer gave no name."""
    parts = clean_text(user.full_name).split()
    if not parts:
        return ""
    return (f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else parts[0])[:60]


def _average_centi(count: int, stars_sum: int) -> int:
    return (200 * stars_sum + count) // (2 * count) if count else 0  # × 100, rounded half up


def _summary_lock(*, storefront_id: int, kind: str, subject_id: int) -> RatingSummary:
    summary, _created = RatingSummary.objects.get_or_create(
        storefront_id=storefront_id, kind=kind, subject_id=subject_id
    )
    return lock_row(RatingSummary.objects.all(), summary.pk)


def _recent(reviews: list[Review]) -> list[dict[str, object]]:
    return [
        {
            "uuid": r.uuid.hex,
            "stars": r.product_stars,
            "seller_stars": r.seller_stars,
            "seller_id": r.seller_id,
            "title": r.title,
            "text": r.text,
            "author": r.author_name,
            "date": r.created_at.date().isoformat(),
            "reply": r.reply_text,
            "replied": r.replied_at.date().isoformat() if r.replied_at else "",
        }
        for r in reviews
    ]


def rating_summaries_refresh(*, storefront_id: int, product_id: int, seller_id: int) -> None:
    """Recompute the summaries of one product and one seller on one storefront from their
    published reviews (an indexed range each). Locks both summary rows, product first, so two
    changes to the same product or seller write one after the other."""
    published = Review.objects.filter(storefront_id=storefront_id, status=Review.Status.PUBLISHED)
    for kind, subject_id, field, lookup in (
        (RatingSummary.Kind.PRODUCT, product_id, "product_stars", "product_id"),
        (RatingSummary.Kind.SELLER, seller_id, "seller_stars", "seller_id"),
    ):
        summary = _summary_lock(storefront_id=storefront_id, kind=kind, subject_id=subject_id)
        mine = published.filter(**{lookup: subject_id})
        totals = mine.aggregate(n=Count("id"), s=Sum(field))
        summary.count, summary.stars_sum = totals["n"], totals["s"] or 0
        summary.average_centi = _average_centi(summary.count, summary.stars_sum)
        fields = ["count", "stars_sum", "average_centi"]
        if kind == RatingSummary.Kind.PRODUCT:
            summary.recent = _recent(list(mine.order_by("-id")[:RECENT]))
            fields.append("recent")
        summary.save(update_fields=fields)
    # The rating sort of this storefront's listings reads the summaries: cached listings go stale.
    surrogates.bump_on_commit([surrogates.key("listing", storefront_id)])


@transaction.atomic
def rating_summaries_rebuild(*, storefront_id: int) -> int:
    """Recompute every rating summary of one storefront from its published reviews in a few
    queries, whatever their number (an import or a merge writes thousands of reviews at once,
    where ``rating_summaries_refresh`` would take two locks and queries per review): one
    aggregate per kind, one windowed read of each product's latest reviews, one upsert per kind;
    a summary left without published reviews goes back to zero. Return the summaries written."""
    published = Review.objects.filter(storefront_id=storefront_id, status=Review.Status.PUBLISHED)
    recent: dict[int, list[Review]] = {}
    latest = published.annotate(
        rank=Window(RowNumber(), partition_by=[F("product_id")], order_by=F("id").desc())
    ).filter(rank__lte=RECENT)
    for review in latest.order_by("product_id", "-id"):
        recent.setdefault(review.product_id, []).append(review)
    # Zero first, then write the subjects that have reviews: none is left with an old figure.
    RatingSummary.objects.filter(storefront_id=storefront_id).update(
        count=0, stars_sum=0, average_centi=0, recent=[]
    )
    written = 0
    for kind, lookup, field in (
        (RatingSummary.Kind.PRODUCT, "product_id", "product_stars"),
        (RatingSummary.Kind.SELLER, "seller_id", "seller_stars"),
    ):
        totals = published.values_list(lookup).annotate(n=Count("id"), s=Sum(field)).order_by(lookup)
        rows = [
            RatingSummary(
                storefront_id=storefront_id,
                kind=kind,
                subject_id=subject_id,
                count=n,
                stars_sum=stars,
                average_centi=_average_centi(n, stars),
                recent=_recent(recent.get(subject_id, [])) if kind == RatingSummary.Kind.PRODUCT else [],
            )
            for subject_id, n, stars in totals
        ]
        RatingSummary.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["storefront", "kind", "subject_id"],
            update_fields=["count", "stars_sum", "average_centi", "recent"],
        )
        written += len(rows)
    surrogates.bump_on_commit([surrogates.key("listing", storefront_id)])
    return written


@transaction.atomic
def reviews_customer_move(*, from_user_id: int, to_user_id: int) -> int:
    """Give the reviews of one account to another (a merged customer's orders, and so their
    reviews, move from the account that held them to their own); return how many. The shown
    name stays the one the review was published under."""
    return Review.objects.filter(customer_id=from_user_id).update(customer_id=to_user_id)


@transaction.atomic
def review_create(
    *,
    customer: User,
    order_line_id: int,
    product_stars: int,
    seller_stars: int,
    title: str = "",
    text: str = "",
    now: datetime | None = None,
) -> Review:
    """Publish the customer's review of one order line of theirs whose seller order is delivered,
    within REVIEW_WINDOW_DAYS of delivery; one per line. Raises ReviewNotAllowed (not theirs,
    not delivered, too late), ReviewAlreadyWritten, InvalidInput; nothing changes then."""
    now = now or timezone.now()
    line = (
        OrderLine.objects.select_related("seller_order__order", "variant")
        .filter(pk=order_line_id, seller_order__order__customer_id=customer.pk)
        .first()
    )
    if line is None:
        raise ReviewNotAllowed(_("You can only review what you bought yourself."))
    seller_order = lock_row(SellerOrder.objects.all(), line.seller_order_id)
    if seller_order.status != SellerOrder.Status.DELIVERED or seller_order.delivered_at is None:
        raise ReviewNotAllowed(_("You can review this item once it is delivered."))
    if now - seller_order.delivered_at > timedelta(days=REVIEW_WINDOW_DAYS):
        raise ReviewNotAllowed(
            _("Reviews can be written up to %(days)d days after delivery.") % {"days": REVIEW_WINDOW_DAYS}
        )
    if Review.objects.filter(order_line_id=line.pk).exists():
        raise ReviewAlreadyWritten(_("You have already reviewed this item."))
    errors: dict[str, list[str]] = {}
    product_stars = _stars(errors, "product_stars", product_stars)
    seller_stars = _stars(errors, "seller_stars", seller_stars)
    title = _limited(errors, "title", title, TITLE_MAX)
    text = _limited(errors, "text", text, TEXT_MAX)
    if errors:
        raise InvalidInput(errors)
    order = line.seller_order.order
    try:
        with transaction.atomic():
            review = Review.objects.create(
                storefront_id=order.storefront_id,
                order_line=line,
                seller_order_id=seller_order.pk,
                product_id=line.variant.product_id,
                seller_id=seller_order.seller_id,
                customer=customer,
                author_name=author_name(customer),
                product_stars=product_stars,
                seller_stars=seller_stars,
                title=title,
                text=text,
                language=order.language,
                created_at=now,
            )
    except IntegrityError as error:  # the same line reviewed at the same moment
        raise ReviewAlreadyWritten(_("You have already reviewed this item.")) from error
    rating_summaries_refresh(
        storefront_id=review.storefront_id, product_id=review.product_id, seller_id=review.seller_id
    )
    emit("review.created", review_id=review.pk, product_id=review.product_id, seller_id=review.seller_id)
    return review


@transaction.atomic
def review_report(*, review_id: int, reporter: User, reason: str, details: str = "") -> ReviewReport:
    """Record that ``reporter`` finds this published review against the rules; a second report
    of the same person returns the first. Raises InvalidInput on an unknown reason."""
    errors: dict[str, list[str]] = {}
    if reason not in ReviewReport.Reason.values:
        errors["reason"] = [_("Choose why this review should be checked.")]
    details = _limited(errors, "details", details, REASON_MAX)
    if errors:
        raise InvalidInput(errors)
    review = Review.objects.filter(pk=review_id, status=Review.Status.PUBLISHED).first()
    if review is None:
        raise ReviewNotFound(_("This review is not published."))
    report, created = ReviewReport.objects.get_or_create(
        review=review, reporter=reporter, defaults={"reason": reason, "details": details}
    )
    if created:
        emit("review.reported", review_id=review.pk, report_id=report.pk)
    return report


def _resolve_reports(review: Review, now: datetime) -> int:
    return ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=now)


@transaction.atomic
def review_hide(*, review_id: int, by: Actor, reason: str, now: datetime | None = None) -> Review:
    """Hide a published review with the reason its author is told; it leaves the averages. Closes
    its open reports. Raises InvalidInput without a reason, InvalidTransition if hidden already."""
    reason = clean_text(reason)
    if not reason:
        raise InvalidInput({"reason": [_("Say why the review is hidden: its author is told.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput({"reason": [_("At most %(limit)d characters.") % {"limit": REASON_MAX}]})
    review = lock_row(Review.objects.all(), review_id)
    review.hidden_reason = reason
    transition(
        review,
        to=Review.Status.HIDDEN,
        by=by,
        reason=reason,
        extra_fields=("hidden_reason",),
        product_id=review.product_id,
        seller_id=review.seller_id,
    )
    _resolve_reports(review, now or timezone.now())
    rating_summaries_refresh(
        storefront_id=review.storefront_id, product_id=review.product_id, seller_id=review.seller_id
    )
    return review


@transaction.atomic
def review_publish(*, review_id: int, by: Actor) -> Review:
    """Publish a hidden review again (a mistaken hiding); it counts in the averages again."""
    review = lock_row(Review.objects.all(), review_id)
    review.hidden_reason = ""
    transition(
        review,
        to=Review.Status.PUBLISHED,
        by=by,
        reason="published again",
        extra_fields=("hidden_reason",),
        product_id=review.product_id,
        seller_id=review.seller_id,
    )
    rating_summaries_refresh(
        storefront_id=review.storefront_id, product_id=review.product_id, seller_id=review.seller_id
    )
    return review


@transaction.atomic
def review_keep(*, review_id: int, by: Actor, now: datetime | None = None) -> int:
    """Keep a reported review published: close its open reports; return how many."""
    review = lock_row(Review.objects.all(), review_id)
    closed = _resolve_reports(review, now or timezone.now())
    if closed:
        emit("review.kept", review_id=review.pk, reports=closed)
    return closed


@transaction.atomic
def review_reply(*, review_id: int, seller: Seller, text: str, now: datetime | None = None) -> Review:
    """Publish the seller's one public reply under a review of its sale. Raises ReviewNotFound
    (another seller's review), ReplyAlreadyWritten, InvalidInput."""
    try:
        review = lock_row(Review.objects.filter(seller_id=seller.pk), review_id)
    except Review.DoesNotExist as error:
        raise ReviewNotFound(_("No such review of your sales.")) from error
    if review.replied_at is not None:
        raise ReplyAlreadyWritten(_("You have already replied to this review."))
    errors: dict[str, list[str]] = {}
    text = _limited(errors, "text", text, REPLY_MAX)
    if not text and not errors:
        errors["text"] = [_("Write your reply.")]
    if errors:
        raise InvalidInput(errors)
    review.reply_text, review.replied_at = text, now or timezone.now()
    review.save(update_fields=["reply_text", "replied_at"])
    rating_summaries_refresh(
        storefront_id=review.storefront_id, product_id=review.product_id, seller_id=review.seller_id
    )
    emit("review.replied", review_id=review.pk, product_id=review.product_id, seller_id=review.seller_id)
    return review


def review_requests_send(*, now: datetime | None = None, batch: int = 500) -> int:
    """Ask for a review the customers of the seller orders delivered REQUEST_AFTER_DAYS ago (and
    no more than REQUEST_UNTIL_DAYS ago): one ReviewRequest row and one ``review.requested``
    event per seller order, ever (its unique key); the worker sends the e-mail. Return how many."""
    now = now or timezone.now()
    due = (
        SellerOrder.objects.filter(
            status=SellerOrder.Status.DELIVERED,
            delivered_at__lte=now - timedelta(days=REQUEST_AFTER_DAYS),
            delivered_at__gt=now - timedelta(days=REQUEST_UNTIL_DAYS),
        )
        .exclude(pk__in=ReviewRequest.objects.values("seller_order_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    sent = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                ReviewRequest.objects.create(seller_order_id=pk, created_at=now)
                emit("review.requested", seller_order_id=pk)
        except IntegrityError:
            continue  # another worker asked at the same moment
        sent += 1
    return sent
