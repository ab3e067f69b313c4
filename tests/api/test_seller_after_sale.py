"""The seller API after the sale: returns (list, one, instruct, receive, refuse, refund) and
incidents (list, one, answer)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.incidents.models import Incident
from galerie.incidents.services import incident_open
from galerie.returns.models import Return
from galerie.returns.services import withdrawal_declare
from galerie.sellers.models import SellerMember
from tests.api.conftest import Api, seller_key
from tests.incidents.conftest import sale as sale  # the fixture
from tests.returns.conftest import deliver
from tests.returns.conftest import placed as placed  # the fixture
from tests.returns.conftest import shop as shop  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)
Role = SellerMember.Role


def keys_for(client, holder, seller, other) -> None:
    holder.owner = Api(client, seller_key(seller))
    holder.clerk = Api(client, seller_key(seller, Role.SHIPPING_CLERK))
    holder.other = Api(client, seller_key(other))


# --- returns ------------------------------------------------------------------------------------


@pytest.fixture
def returned(client, placed):
    """Seller A's part delivered yesterday; the customer withdraws one book of two."""
    deliver(placed.part_a, placed.owner_a, timezone.now() - timedelta(days=1))
    line = placed.part_a.lines.get()
    placed.ret = withdrawal_declare(
        seller_order_id=placed.part_a.pk, customer=placed.customer, quantities={line.pk: 1}
    )
    keys_for(client, placed, placed.seller_a, placed.seller_b)
    return placed


def status(ret: Return) -> str:
    ret.refresh_from_db()
    return ret.status


def test_the_sellers_returns_are_listed_and_one_has_its_lines(returned):
    body = returned.clerk.get("/seller/returns/").json()
    assert [r["id"] for r in body["items"]] == [returned.ret.pk]
    assert body["items"][0]["status"] == "requested" and body["items"][0]["reason"] == "withdrawal"
    assert returned.clerk.get("/seller/returns/", status="refunded").json()["items"] == []
    detail = returned.clerk.get(f"/seller/returns/{returned.ret.pk}").json()
    assert [(ln["quantity"], ln["amount"]["amount"]) for ln in detail["lines"]] == [(1, 1990)]
    assert returned.other.get("/seller/returns/").json()["items"] == []


def test_another_sellers_return_is_a_404_and_stays_as_it_is(returned):
    base = f"/seller/returns/{returned.ret.pk}"
    assert returned.other.get(base).status_code == 404
    actions = [("instruct", {"instructions": "Send it"}), ("receive", {}), ("refuse", {"reason": "No"})]
    for path, body in [*actions, ("refund", {})]:
        response = returned.other.post(f"{base}/{path}", body)
        assert response.status_code == 404 and response.json()["error"]["code"] == "return_not_found"
    assert status(returned.ret) == "requested"


def test_a_return_instructed_received_and_refunded_less_a_depreciation(returned):
    base = f"/seller/returns/{returned.ret.pk}"
    response = returned.clerk.post(f"{base}/instruct", {"instructions": "1 rue du Livre, 75005 Paris"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "instructed"
    assert returned.clerk.post(f"{base}/receive", {"note": "Corner bent"}).json()["status"] == "received"
    refund = {"depreciation": {"amount": 290, "currency": "EUR"}, "depreciation_reason": "Corner bent"}
    response = returned.owner.post(f"{base}/refund", refund, headers={"Idempotency-Key": "refund-1"})
    assert response.status_code == 200, response.content
    assert response.json()["refund"] == {"amount": 1990 - 290, "currency": "EUR"}
    assert status(returned.ret) in {"refunding", "refunded"}


def test_a_shipping_clerk_key_may_not_refuse_nor_refund_a_return(returned):
    base = f"/seller/returns/{returned.ret.pk}"
    for path, body in [("refuse", {"reason": "Used"}), ("refund", {})]:
        response = returned.clerk.post(f"{base}/{path}", body)
        assert response.status_code == 403
    assert status(returned.ret) == "requested"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("instruct", {"instructions": ""}, "instructions"),
        ("refuse", {"reason": ""}, "reason"),
        ("refund", {"depreciation": {"amount": 100, "currency": "EUR"}}, "depreciation_reason"),
        (
            "refund",
            {"depreciation": {"amount": 99999, "currency": "EUR"}, "depreciation_reason": "x"},
            "depreciation",
        ),
        (
            "refund",
            {"depreciation": {"amount": 100, "currency": "USD"}, "depreciation_reason": "x"},
            "depreciation",
        ),
    ],
)
def test_bad_input_on_a_return_is_a_422_naming_the_field(returned, path, body, field):
    response = returned.owner.post(f"/seller/returns/{returned.ret.pk}/{path}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["errors"]
    assert status(returned.ret) == "requested"


def test_refusing_a_return_with_a_reason(returned):
    response = returned.owner.post(f"/seller/returns/{returned.ret.pk}/refuse", {"reason": "Opened and used"})
    assert response.status_code == 200 and response.json()["refusal_reason"] == "Opened and used"
    assert status(returned.ret) == "refused"


# --- incidents ----------------------------------------------------------------------------------


@pytest.fixture
def incident(client, sale):
    sale.incident = incident_open(
        seller_order_id=sale.part_a.pk,
        customer=sale.customer,
        kind="damaged",
        description="The cover is torn.",
    )
    keys_for(client, sale, sale.part_a.seller, sale.part_b.seller)
    return sale


def test_the_sellers_incidents_are_listed_and_one_is_read_by_its_uuid(incident):
    body = incident.clerk.get("/seller/incidents/").json()
    assert [i["id"] for i in body["items"]] == [str(incident.incident.uuid)]
    assert incident.clerk.get("/seller/incidents/", status="closed").json()["items"] == []
    one = incident.clerk.get(f"/seller/incidents/{incident.incident.uuid}").json()
    assert (one["kind"], one["status"], one["description"]) == ("damaged", "open", "The cover is torn.")
    assert incident.other.get("/seller/incidents/").json()["items"] == []


def test_answering_an_incident_with_a_partial_refund(incident):
    response = incident.clerk.post(
        f"/seller/incidents/{incident.incident.uuid}/answer",
        {
            "proposal": "refund_partial",
            "answer": "Sorry: half back.",
            "amount": {"amount": 1000, "currency": "EUR"},
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "answered" and body["proposal_amount"] == {"amount": 1000, "currency": "EUR"}


def test_another_sellers_incident_is_a_404_and_unknown_ones_too(incident):
    path = f"/seller/incidents/{incident.incident.uuid}"
    assert incident.other.get(path).status_code == 404
    response = incident.other.post(f"{path}/answer", {"proposal": "replacement"})
    assert response.status_code == 404
    assert incident.owner.get(f"/seller/incidents/{uuid.uuid4()}").status_code == 404
    incident.incident.refresh_from_db()
    assert incident.incident.status == Incident.Status.OPEN


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"proposal": "money"}, "proposal"),
        ({"proposal": "rejected", "answer": ""}, "answer"),
        ({"proposal": "refund_partial", "answer": "x", "amount": {"amount": 0, "currency": "EUR"}}, "amount"),
    ],
)
def test_a_bad_answer_is_a_422_naming_the_field(incident, body, field):
    response = incident.owner.post(f"/seller/incidents/{incident.incident.uuid}/answer", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["errors"]
    incident.incident.refresh_from_db()
    assert incident.incident.status == Incident.Status.OPEN
