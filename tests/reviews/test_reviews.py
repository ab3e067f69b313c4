"""Verified reviews: who may review what, once; reports and the operator's decisions; the
seller's one reply; the request job with written dates; the summaries against brute force."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import OutboxEvent, StatusChange
from galerie.reviews.errors import (
    ReplyAlreadyWritten,
    ReviewAlreadyWritten,
    ReviewNotAllowed,
    ReviewNotFound,
)
from galerie.reviews.models import RatingSummary, Review, ReviewReport, ReviewRequest
from galerie.reviews.selectors import reviews_reported
from galerie.reviews.services import (
    REVIEW_WINDOW_DAYS,
    author_name,
    clean_text,
    rating_summaries_rebuild,
    review_create,
    review_hide,
    review_keep,
    review_publish,
    review_reply,
    review_report,
    review_requests_send,
)
from tests.factories import make_user
from tests.reviews.conftest import DELIVERED_AT, deliver, delivered_orders

pytestmark = pytest.mark.django_db(transaction=True)

NOW = DELIVERED_AT + timedelta(days=3)


def create(shop, line, **changes) -> Review:
    fields = {"product_stars": 4, "seller_stars": 5, "title": "Good", "text": "Fine book.", "now": NOW}
    return review_create(customer=shop.customer, order_line_id=line.pk, **{**fields, **changes})


def summary(shop, kind: str, subject_id: int) -> tuple[int, int]:
    row = RatingSummary.objects.filter(storefront=shop.storefront, kind=kind, subject_id=subject_id).first()
    return (row.count, row.average_centi) if row else (0, 0)


# --- eligibility ---------------------------------------------------------------------------------


def test_the_customer_reviews_a_delivered_line_once(delivered):
    review = create(
        delivered, delivered.line_a, title="  Good <b>book</b>\x00 ", text="Line 1\r\n\r\n\r\nLine 2"
    )

    assert review.status == Review.Status.PUBLISHED
    assert (review.product_id, review.seller_id) == (
        delivered.line_a.variant.product_id,
        delivered.seller_a.pk,
    )
    assert review.title == "Good <b>book</b>"  # stored as text; every page escapes it
    assert review.text == "Line 1\n\nLine 2"
    assert summary(delivered, "product", review.product_id) == (1, 400)
    assert summary(delivered, "seller", delivered.seller_a.pk) == (1, 500)
    assert OutboxEvent.objects.filter(topic="review.created", payload__review_id=review.pk).count() == 1
    with pytest.raises(ReviewAlreadyWritten):
        create(delivered, delivered.line_a, product_stars=1)
    assert Review.objects.count() == 1
    assert summary(delivered, "product", review.product_id) == (1, 400)


def test_a_line_not_delivered_is_refused(delivered):
    with pytest.raises(ReviewNotAllowed):
        create(delivered, delivered.line_b)  # seller B's part is still new
    assert not Review.objects.exists() and not RatingSummary.objects.exists()


def test_another_customers_line_is_refused(delivered):
    other = make_user()
    with pytest.raises(ReviewNotAllowed):
        review_create(
            customer=other, order_line_id=delivered.line_a.pk, product_stars=5, seller_stars=5, now=NOW
        )
    assert not Review.objects.exists()


def test_too_late_and_bad_input_are_refused_and_change_nothing(delivered):
    with pytest.raises(ReviewNotAllowed):
        create(delivered, delivered.line_a, now=DELIVERED_AT + timedelta(days=REVIEW_WINDOW_DAYS + 1))
    with pytest.raises(InvalidInput) as error:
        create(delivered, delivered.line_a, product_stars=6, seller_stars=0, text="x" * 2001)
    assert set(error.value.errors) == {"product_stars", "seller_stars", "text"}
    assert not Review.objects.exists() and not OutboxEvent.objects.filter(topic="review.created").exists()


def test_clean_text_and_author_name():
    assert clean_text("a\u202eb\u200b\tc \n\n\n\n d ") == "ab c\n\nd"

    class U:
        full_name = "Marie  Dupont"

    assert author_name(U()) == "Marie D."  # type: ignore[arg-type]
    U.full_name = ""
    assert author_name(U()) == ""  # type: ignore[arg-type]


# --- moderation and reply ------------------------------------------------------------------------


def test_report_hide_publish_keep(delivered):
    review = create(delivered, delivered.line_a, product_stars=2)
    reporter, staff = make_user(), make_user(is_staff=True)
    first = review_report(review_id=review.pk, reporter=reporter, reason="offensive", details="rude")
    again = review_report(review_id=review.pk, reporter=reporter, reason="spam")
    assert first.pk == again.pk and ReviewReport.objects.count() == 1
    with pytest.raises(InvalidInput):
        review_report(review_id=review.pk, reporter=make_user(), reason="dislike")
    with pytest.raises(InvalidInput):
        review_hide(review_id=review.pk, by=staff, reason="  ")

    review_hide(review_id=review.pk, by=staff, reason="Insults the seller.", now=NOW)

    review.refresh_from_db()
    assert (review.status, review.hidden_reason) == ("hidden", "Insults the seller.")
    assert summary(delivered, "product", review.product_id) == (0, 0)
    assert ReviewReport.objects.get().resolved_at == NOW
    assert (
        StatusChange.objects.filter(
            model="reviews.Review", object_pk=str(review.pk), to_status="hidden"
        ).count()
        == 1
    )
    with pytest.raises(InvalidTransition):
        review_hide(review_id=review.pk, by=staff, reason="again")
    with pytest.raises(ReviewNotFound):  # a hidden review cannot be reported
        review_report(review_id=review.pk, reporter=make_user(), reason="spam")

    review_publish(review_id=review.pk, by=staff)
    assert summary(delivered, "product", review.product_id) == (1, 200)
    review_report(review_id=review.pk, reporter=make_user(), reason="fake")
    assert review_keep(review_id=review.pk, by=staff, now=NOW) == 1
    assert Review.objects.get().status == "published"
    assert not ReviewReport.objects.filter(resolved_at__isnull=True).exists()


def test_the_queue_lists_only_reviews_with_open_reports(delivered):
    review = create(delivered, delivered.line_a)
    staff = make_user(is_staff=True)
    assert list(reviews_reported()) == []  # no report at all: not in the queue
    review_report(review_id=review.pk, reporter=make_user(), reason="spam")
    review_report(review_id=review.pk, reporter=make_user(), reason="fake")
    review_keep(review_id=review.pk, by=staff, now=NOW)
    assert list(reviews_reported()) == []  # reports closed: out of the queue
    review_report(review_id=review.pk, reporter=make_user(), reason="offensive")
    assert [(r.pk, r.open_reports) for r in reviews_reported()] == [(review.pk, 1)]


def test_the_seller_replies_once_to_its_own_reviews_only(delivered):
    review = create(delivered, delivered.line_a)
    with pytest.raises(ReviewNotFound):
        review_reply(review_id=review.pk, seller=delivered.seller_b, text="Not mine")
    with pytest.raises(InvalidInput):
        review_reply(review_id=review.pk, seller=delivered.seller_a, text=" \n ")

    review_reply(review_id=review.pk, seller=delivered.seller_a, text="Thank you!", now=NOW)

    with pytest.raises(ReplyAlreadyWritten):
        review_reply(review_id=review.pk, seller=delivered.seller_a, text="Second")
    review.refresh_from_db()
    assert (review.reply_text, review.replied_at) == ("Thank you!", NOW)
    recent = RatingSummary.objects.get(kind="product", subject_id=review.product_id).recent
    assert [r["reply"] for r in recent] == ["Thank you!"]


# --- the request job -----------------------------------------------------------------------------


def test_the_request_goes_once_a_week_after_delivery(delivered):
    assert review_requests_send(now=DELIVERED_AT + timedelta(days=6, hours=23)) == 0
    assert review_requests_send(now=DELIVERED_AT + timedelta(days=7)) == 1
    assert review_requests_send(now=DELIVERED_AT + timedelta(days=8)) == 0  # once per seller order
    assert list(ReviewRequest.objects.values_list("seller_order_id", flat=True)) == [delivered.part_a.pk]
    events = OutboxEvent.objects.filter(topic="review.requested")
    assert [e.payload for e in events] == [{"seller_order_id": delivered.part_a.pk}]


def test_no_request_for_an_old_delivery_or_an_undelivered_part(delivered):
    deliver(delivered.part_b, delivered.owner_b, at=DELIVERED_AT - timedelta(days=90))
    assert review_requests_send(now=DELIVERED_AT + timedelta(days=1)) == 0
    assert not ReviewRequest.objects.exists()


# --- summaries against brute force ---------------------------------------------------------------


def _brute(kind: str, subject_id: int, storefront_id: int) -> tuple[int, int]:
    field, lookup = ("product_stars", "product_id") if kind == "product" else ("seller_stars", "seller_id")
    stars = list(
        Review.objects.filter(
            storefront_id=storefront_id, status="published", **{lookup: subject_id}
        ).values_list(field, flat=True)
    )
    return (len(stars), round(sum(stars) * 100 / len(stars) + 1e-9) if stars else 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["create", "hide", "publish"]),
            st.integers(0, 3),
            st.integers(1, 5),
            st.integers(1, 5),
        ),
        max_size=14,
    )
)
def test_summaries_equal_brute_force_after_any_sequence(shop, steps):
    """Four delivered orders of the same two offers; any sequence of create/hide/publish leaves
    each summary equal to the count and rounded average over the published reviews."""
    Review.objects.all().delete()
    RatingSummary.objects.all().delete()
    lines = delivered_orders(shop, 4)
    staff = make_user(is_staff=True)
    for action, index, product_stars, seller_stars in steps:
        line = lines[index]
        review = Review.objects.filter(order_line=line).first()
        if action == "create" and review is None:
            review_create(
                customer=line.seller_order.order.customer, order_line_id=line.pk,
                product_stars=product_stars, seller_stars=seller_stars,
            )  # fmt: skip
        elif action == "hide" and review is not None and review.status == "published":
            review_hide(review_id=review.pk, by=staff, reason="rule")
        elif action == "publish" and review is not None and review.status == "hidden":
            review_publish(review_id=review.pk, by=staff)
        for kind, subject_id in (
            ("product", lines[0].variant.product_id),
            ("seller", lines[0].seller_order.seller_id),
        ):
            assert summary(shop, kind, subject_id) == _brute(kind, subject_id, shop.storefront.pk)
    # The bulk rebuild (an import's, a merge's) gives the very rows the changes kept, recent
    # reviews included.
    fields = ("kind", "subject_id", "count", "stars_sum", "average_centi", "recent")
    kept = sorted(RatingSummary.objects.filter(storefront=shop.storefront).values_list(*fields))
    rating_summaries_rebuild(storefront_id=shop.storefront.pk)
    assert sorted(RatingSummary.objects.filter(storefront=shop.storefront).values_list(*fields)) == kept
