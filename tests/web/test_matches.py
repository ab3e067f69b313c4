"""The back office's product match queue: every kind of actor, side by side, decide / undo, the
batch filter, French (docs/product-matching.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from galerie.catalog import services as catalog
from galerie.catalog.matching import ProductCandidate, product_match
from galerie.catalog.matching.reviews import match_reviews_create
from galerie.catalog.models import MatchReview
from galerie.core.models import StatusChange
from tests.factories import (
    make_category,
    make_product,
    make_product_type,
    make_seller,
    make_staff_member,
    make_user,
    make_variant,
)

pytestmark = pytest.mark.django_db
PAGE = "/back-office/matches/"


@pytest.fixture
def reviews():
    phone = make_product_type(
        code="phone",
        name="Phone",
        attributes=[{"code": "colour", "name": "Colour", "kind": "text", "level": "variant", "is_key": True}],
    )
    samsung = catalog.brand_create(name="Samsung")
    galaxy = make_product(
        category=make_category("Phones"),
        product_type=phone,
        brand=samsung,
        title="Galaxy S21 5G",
        attributes={},
    )
    make_variant(product=galaxy, attributes={"colour": "Noir"}, gtin="8806090987137")
    made = []
    for batch, title in (
        ("bundle-topachat", "Galaxy S21 smartphone 5G reconditionné"),
        ("shopify-42", "Galaxy S21 5G neuf scellé"),
    ):
        candidate = ProductCandidate(
            brand="SAMSUNG",
            title=title,
            gtin="",
            attributes={"grade": "A+"},
            image_url="https://cdn.example.test/s21.jpg",
        )
        result = product_match(candidate)
        assert result.decision == "review", result
        made += match_reviews_create(batch=batch, results=[(candidate, result)])
    return made


def _actors():
    return {
        "anonymous": None,
        "customer": make_user(),
        "seller_owner": make_staff_member(make_seller(), "owner"),
        "inactive_staff": make_user(is_staff=True, is_active=False),
        "operator": make_user(is_staff=True),
    }


@pytest.mark.parametrize(
    ("actor", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("customer", 403, 403),
        ("seller_owner", 403, 403),
        ("inactive_staff", 302, 302),
        ("operator", 200, 302),
    ],
)
def test_every_kind_of_actor(client, reviews, actor, get_status, post_status):
    user = _actors()[actor]
    if user is not None:
        client.force_login(user)
    page = client.get(PAGE)
    assert page.status_code == get_status
    url = reverse("back_office:match_decide", kwargs={"review_id": reviews[0].pk})
    answer = client.post(url, {"action": "accept"})
    assert answer.status_code == post_status
    review = MatchReview.objects.get(pk=reviews[0].pk)
    if actor == "operator":
        assert "Galaxy S21 smartphone 5G reconditionné" in page.content.decode()
        assert review.status == "accepted" and review.decided_by == user
    else:
        assert (review.status, review.decided_by) == ("pending", None)  # nothing changed
        assert not StatusChange.objects.filter(model="catalog.MatchReview").exists()
        assert "reconditionné" not in page.content.decode()
    if get_status == 302:
        assert "/login/" in page["Location"]


def test_side_by_side_filter_decide_undo(client, reviews, django_assert_max_num_queries):
    operator = make_user(is_staff=True)
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        body = client.get(PAGE).content.decode()
    for text in (
        "Galaxy S21 5G",
        "SAMSUNG",
        "Samsung",
        "8806090987137",
        "grade: A+",
        "colour: Noir",
        "cdn.example.test/s21.jpg",
        "bundle-topachat",
        "shopify-42",
    ):
        assert text in body, text
    assert body.count('name="action" value="accept"') == 2

    only = client.get(PAGE, {"batch": "shopify-42"}).content.decode()
    assert "neuf scellé" in only and "reconditionné" not in only

    url = reverse("back_office:match_decide", kwargs={"review_id": reviews[1].pk})
    answer = client.post(url, {"action": "reject", "batch": "shopify-42", "status": "pending"})
    assert answer.status_code == 302 and answer["Location"] == f"{PAGE}?batch=shopify-42&status=pending"
    assert MatchReview.objects.get(pk=reviews[1].pk).status == "rejected"
    assert "neuf scellé" not in client.get(PAGE, {"batch": "shopify-42"}).content.decode()
    decided = client.get(PAGE, {"batch": "shopify-42", "status": "rejected"}).content.decode()
    assert "neuf scellé" in decided and 'value="undo"' in decided and operator.email in decided

    client.post(url, {"action": "undo"})
    assert MatchReview.objects.get(pk=reviews[1].pk).status == "pending"
    history = StatusChange.objects.filter(model="catalog.MatchReview", object_pk=str(reviews[1].pk))
    assert list(history.order_by("id").values_list("to_status", flat=True)) == ["rejected", "pending"]


def test_a_committed_batch_is_shown_frozen_and_refuses_changes(client, reviews):
    operator = make_user(is_staff=True)
    client.force_login(operator)
    MatchReview.objects.filter(pk=reviews[0].pk).update(status="accepted", committed_at=timezone.now())
    url = reverse("back_office:match_decide", kwargs={"review_id": reviews[0].pk})
    answer = client.post(url, {"action": "reject"}, follow=True)
    assert "committed" in answer.content.decode()
    assert MatchReview.objects.get(pk=reviews[0].pk).status == "accepted"
    page = client.get(PAGE, {"status": "accepted"}).content.decode()
    assert "Committed" in page and 'value="reject"' not in page


def test_a_missing_review_is_a_404(client, reviews):
    client.force_login(make_user(is_staff=True))
    assert (
        client.post(
            reverse("back_office:match_decide", kwargs={"review_id": 999_999}), {"action": "accept"}
        ).status_code
        == 404
    )


def test_the_page_in_french(client, reviews):
    client.force_login(make_user(is_staff=True))
    body = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for english in (
        "Product matches",
        "Incoming",
        "Catalog product",
        "Accept: same product",
        "Reject: a new product",
        "Signals",
        "All batches",
    ):
        assert english not in body, english
    assert "Rapprochements de produits" in body
