"""The operator API's moderation: product proposals (queue, detail, accept, reject with reason) and
the product match review queue (decide, undo, commit); permissions, bad input, unknown ids."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from galerie.catalog import services as catalog
from galerie.catalog.matching import ProductCandidate, product_match
from galerie.catalog.matching.reviews import match_reviews_create
from galerie.catalog.models import MatchReview, Product, ProductProposal
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.proposals import product_proposal_create
from galerie.sellers.models import SellerMember
from tests.api.operator_keys import staff_with
from tests.factories import (
    SAFE_PRODUCT,
    gtin13,
    make_category,
    make_product,
    make_product_type,
    make_seller,
    make_staff_member,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db
VIEW, CHANGE = "catalog.view_productproposal", "catalog.change_productproposal"
MATCH_VIEW, MATCH_CHANGE = "catalog.view_matchreview", "catalog.change_matchreview"


@pytest.fixture
def world(client):
    books = make_category("Books")
    novels = make_category("Novels", parent=books)
    storefront = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    owner = make_staff_member(seller, SellerMember.Role.OWNER)
    product_type = make_product_type()

    def propose(title: str) -> ProductProposal:
        return product_proposal_create(
            seller=seller, by=owner, category_id=novels.pk, product_type_id=product_type.pk, title=title,
            brand_name="Hetzel", gtin=gtin13("978"), description="A novel.",
            attributes={"author": "Jules Verne", "pages": "320", "format": "paperback"},
            price=Money(1290, "EUR"), stock=4, safety=SAFE_PRODUCT,
        )  # fmt: skip

    return SimpleNamespace(
        propose=propose,
        seller=seller,
        first=propose("Michel Strogoff"),
        second=propose("Vingt mille lieues sous les mers"),
        api=staff_with(client, VIEW, CHANGE),
    )


def test_the_queue_lists_pending_oldest_first_then_decisions_and_pages(world):
    api = world.api
    body = api.get("/operator/moderation/proposals").json()
    assert [p["id"] for p in body["items"]] == [world.first.pk, world.second.pk]
    assert body["items"][0]["seller_id"] == world.seller.pk
    api.post(f"/operator/moderation/proposals/{world.first.pk}/reject", {"reason": "Already listed."})
    page = api.get("/operator/moderation/proposals", limit=1).json()
    assert [p["id"] for p in page["items"]] == [world.second.pk] and page["next"]
    rest = api.get("/operator/moderation/proposals", limit=1, after=page["next"]).json()
    assert [(p["id"], p["status"]) for p in rest["items"]] == [(world.first.pk, "rejected")]
    assert rest["next"] is None
    only = api.get("/operator/moderation/proposals", status="rejected").json()
    assert [p["id"] for p in only["items"]] == [world.first.pk]
    bad = api.get("/operator/moderation/proposals", status="maybe")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_the_queue_costs_the_same_queries_for_two_proposals_or_twenty(world, django_assert_max_num_queries):
    for n in range(18):
        world.propose(f"Volume {n}")
    with django_assert_max_num_queries(7):
        body = world.api.get("/operator/moderation/proposals").json()
    assert len(body["items"]) == 20


def test_the_detail_has_the_price_and_the_possible_duplicates(world):
    same = make_product(title="Michel Strogoff")
    body = world.api.get(f"/operator/moderation/proposals/{world.first.pk}").json()
    assert body["price"] == {"amount": 1290, "currency": "EUR"} and body["stock"] == 4
    assert same.pk in [d["id"] for d in body["duplicates"]]
    response = world.api.get("/operator/moderation/proposals/999999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "proposal_not_found"


def test_accept_with_a_corrected_title_makes_the_product_and_the_first_offer(world):
    response = world.api.post(
        f"/operator/moderation/proposals/{world.first.pk}/accept", {"title": "Michel Strogoff (Hetzel)"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["product"]["title"] == "Michel Strogoff (Hetzel)"
    product = Product.objects.get(pk=body["product"]["id"])
    assert Offer.objects.filter(seller=world.seller, variant__product=product).count() == 1
    # Accepted already: rejecting it is a 409, nothing changes.
    response = world.api.post(f"/operator/moderation/proposals/{world.first.pk}/reject", {"reason": "No."})
    assert response.status_code == 409
    assert ProductProposal.objects.get(pk=world.first.pk).status == "accepted"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [("reject", {"reason": "  "}, "reason"), ("reject", {}, "reason"), ("accept", {"title": " "}, "title")],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(world, action, body, field):
    response = world.api.post(f"/operator/moderation/proposals/{world.first.pk}/{action}", body)
    assert response.status_code == 422 and field in response.json()["error"]["errors"]
    assert ProductProposal.objects.get(pk=world.first.pk).status == "pending"
    assert not Product.objects.filter(title__startswith="Michel").exists()


def test_unknown_proposals_are_404_for_decisions(world):
    assert world.api.post("/operator/moderation/proposals/999999/accept", {}).status_code == 404
    assert world.api.post("/operator/moderation/proposals/999999/reject", {"reason": "x"}).status_code == 404


def test_permissions_view_and_change(client, world):
    nobody, reader = staff_with(client), staff_with(client, VIEW)
    assert nobody.get("/operator/moderation/proposals").status_code == 403
    assert nobody.get(f"/operator/moderation/proposals/{world.first.pk}").status_code == 403
    assert reader.get(f"/operator/moderation/proposals/{world.first.pk}").status_code == 200
    for api in (nobody, reader):
        assert api.post(f"/operator/moderation/proposals/{world.first.pk}/accept", {}).status_code == 403
        response = api.post(f"/operator/moderation/proposals/{world.first.pk}/reject", {"reason": "No."})
        assert response.status_code == 403
    assert ProductProposal.objects.filter(status="pending").count() == 2


def test_a_replayed_rejection_answers_the_first_response(world):
    path = f"/operator/moderation/proposals/{world.second.pk}/reject"
    first = world.api.post(path, {"reason": "Blurry."}, headers={"Idempotency-Key": "reject-2"})
    again = world.api.post(path, {"reason": "Blurry."}, headers={"Idempotency-Key": "reject-2"})
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert first.json()["reason"] == "Blurry."


# --- product matches ------------------------------------------------------------------------------


@pytest.fixture
def matches():
    phone = make_product_type(
        code="phone",
        name="Phone",
        attributes=[{"code": "colour", "name": "Colour", "kind": "text", "level": "variant", "is_key": True}],
    )
    galaxy = make_product(
        category=make_category("Phones"),
        product_type=phone,
        brand=catalog.brand_create(name="Samsung"),
        title="Galaxy S21 5G",
        attributes={},
    )
    make_variant(product=galaxy, attributes={"colour": "Noir"}, gtin="8806090987137")
    made = []
    for batch, title in (
        ("bundle-a", "Galaxy S21 smartphone 5G reconditionné"),
        ("shopify-42", "Galaxy S21 5G neuf scellé"),
    ):
        candidate = ProductCandidate(
            brand="SAMSUNG", title=title, gtin="", attributes={"grade": "A+"}, image_url=""
        )
        result = product_match(candidate)
        assert result.decision == "review", result
        made += match_reviews_create(batch=batch, results=[(candidate, result)])
    return made


def test_the_match_queue_filters_and_decisions_change_a_review(client, matches):
    api = staff_with(client, MATCH_VIEW, MATCH_CHANGE)
    body = api.get("/operator/moderation/matches").json()
    assert [m["id"] for m in body["items"]] == [r.pk for r in matches]
    assert body["items"][0]["product"]["title"] == "Galaxy S21 5G"
    body = api.get("/operator/moderation/matches", batch="shopify-42").json()
    assert [m["batch"] for m in body["items"]] == ["shopify-42"]
    review = matches[0]
    decided = api.post(f"/operator/moderation/matches/{review.pk}/decide", {"decision": "accept"}).json()
    assert decided["status"] == "accepted"
    assert [m["id"] for m in api.get("/operator/moderation/matches").json()["items"]] == [matches[1].pk]
    assert api.get("/operator/moderation/matches", status="accepted").json()["items"][0]["id"] == review.pk
    undone = api.post(f"/operator/moderation/matches/{review.pk}/decide", {"decision": "undo"}).json()
    assert undone["status"] == "pending"


def test_match_bad_input_unknown_ids_and_permissions(client, matches):
    api = staff_with(client, MATCH_VIEW, MATCH_CHANGE)
    review = matches[0]
    response = api.post(f"/operator/moderation/matches/{review.pk}/decide", {"decision": "maybe"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "decision"
    bad = api.get("/operator/moderation/matches", status="maybe")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"
    response = api.post("/operator/moderation/matches/999999/decide", {"decision": "accept"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "match_review_not_found"
    # A batch without an applier cannot be committed from here: a 404, as the page.
    assert api.post("/operator/moderation/matches/commit", {"batch": "shopify-42"}).status_code == 404
    reader = staff_with(client, MATCH_VIEW)
    assert staff_with(client).get("/operator/moderation/matches").status_code == 403
    response = reader.post(f"/operator/moderation/matches/{review.pk}/decide", {"decision": "accept"})
    assert response.status_code == 403
    assert MatchReview.objects.get(pk=review.pk).status == "pending"
