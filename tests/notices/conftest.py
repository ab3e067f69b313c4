"""A storefront where seller A's part of an order is delivered and reviewed (tests/reviews), the
operator's staff, and the helpers the notice tests share."""

from __future__ import annotations

from typing import Any

import pytest

from galerie.core.models import OutboxEvent
from galerie.notices.handlers import HANDLERS
from galerie.notices.models import Notice
from galerie.notices.selectors import notice_target_get
from galerie.notices.services import notice_submit
from galerie.reviews.services import review_create
from tests.factories import make_user
from tests.reviews.conftest import delivered as delivered  # the fixture
from tests.reviews.conftest import placed as placed  # the fixture
from tests.reviews.conftest import shop as shop  # the fixture

NOTICE = {
    "category": "scams_and_fraud",
    "explanation": "This offer sells counterfeit goods under a famous brand.",
    "url": "https://shop.example/p/book/",
    "notifier_name": "Nora Notifier",
    "notifier_email": "nora@example.test",
    "good_faith": True,
}
DECISION = {
    "territorial_scope": "Every storefront, worldwide",
    "duration": "Indefinite",
    "facts": "The seller could not show the goods are genuine.",
    "legal_ground": "Art. L. 716-9 of the French Intellectual Property Code (counterfeiting).",
    "terms_ground": "",
    "explanation": "The goods are counterfeit.",
}


def deliver_notice_events() -> None:
    """Do what the worker does for the notices' events (in order)."""
    for event in OutboxEvent.objects.filter(topic__startswith="notice.").order_by("id"):
        for handler in HANDLERS.get(event.topic, []):
            handler(event)


def report(storefront, kind: str, ref: str, **fields: Any) -> Notice:
    target = notice_target_get(storefront=storefront, kind=kind, ref=ref)
    return notice_submit(storefront=storefront, target=target, language="en", **{**NOTICE, **fields})


@pytest.fixture
def reviewed(delivered):
    """``delivered`` with the customer's review of seller A's book."""
    delivered.review = review_create(
        customer=delivered.customer,
        order_line_id=delivered.line_a.pk,
        product_stars=1,
        seller_stars=1,
        title="Awful",
        text="Some text",
        now=delivered.part_a.delivered_at,
    )
    return delivered


@pytest.fixture
def staff(db):
    return make_user(is_staff=True, email="moderator@example.test")


@pytest.fixture
def staff2(db):
    return make_user(is_staff=True, email="reviewer@example.test")
