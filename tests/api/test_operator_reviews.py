"""The operator API's review moderation: the reported and hidden queues, keep / hide (with the
reason its author is told) / publish again; permissions, bad input, unknown ids."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from galerie.reviews.models import Review, ReviewReport
from galerie.reviews.services import review_create, review_report
from tests.api.operator_keys import staff_with
from tests.factories import make_user
from tests.reviews.conftest import DELIVERED_AT
from tests.reviews.conftest import delivered as delivered  # the fixture
from tests.reviews.conftest import placed as placed  # the fixture
from tests.reviews.conftest import shop as shop  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)
VIEW, CHANGE = "reviews.view_review", "reviews.change_review"


@pytest.fixture
def reported(delivered):
    review = review_create(
        customer=delivered.customer, order_line_id=delivered.line_a.pk, product_stars=1, seller_stars=1,
        title="Bad", text="Never again.", now=DELIVERED_AT + timedelta(days=3),
    )  # fmt: skip
    review_report(review_id=review.pk, reporter=make_user(), reason="offensive", details="Rude.")
    return review


def test_reported_then_kept_then_hidden_then_published(client, reported):
    api = staff_with(client, VIEW, CHANGE)
    body = api.get("/operator/moderation/reviews").json()
    assert [r["id"] for r in body["items"]] == [str(reported.uuid)]
    assert [r["reason"] for r in body["items"][0]["open_reports"]] == ["offensive"]
    path = f"/operator/moderation/reviews/{reported.uuid}/decide"
    kept = api.post(path, {"decision": "keep"}).json()
    assert kept["status"] == "published" and kept["open_reports"] == []
    assert api.get("/operator/moderation/reviews").json()["items"] == []
    hidden = api.post(path, {"decision": "hide", "reason": "Insults the seller."}).json()
    assert (hidden["status"], hidden["hidden_reason"]) == ("hidden", "Insults the seller.")
    listed = api.get("/operator/moderation/reviews", state="hidden").json()["items"]
    assert [r["id"] for r in listed] == [str(reported.uuid)]
    assert api.post(path, {"decision": "publish"}).json()["status"] == "published"


def test_bad_input_unknown_ids_and_permissions_change_nothing(client, reported):
    api = staff_with(client, VIEW, CHANGE)
    path = f"/operator/moderation/reviews/{reported.uuid}/decide"
    for body, field in [({"decision": "hide", "reason": " "}, "reason"), ({"decision": "bin"}, "decision")]:
        response = api.post(path, body)
        assert response.status_code == 422 and field in response.json()["error"]["errors"]
    bad = api.get("/operator/moderation/reviews", state="all")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "state"
    response = api.post(f"/operator/moderation/reviews/{uuid.uuid4()}/decide", {"decision": "keep"})
    assert response.status_code == 404
    reader = staff_with(client, VIEW)
    assert staff_with(client).get("/operator/moderation/reviews").status_code == 403
    assert reader.post(path, {"decision": "hide", "reason": "Rude."}).status_code == 403
    assert Review.objects.get(pk=reported.pk).status == "published"
    assert ReviewReport.objects.filter(review=reported, resolved_at__isnull=True).count() == 1
