"""The seller API's orders and messages: list, one, accept, refuse, ship (partial parcels too),
deliver, the packing slip; the threads of the seller's orders."""

from __future__ import annotations

import pytest

from galerie.messaging.models import Message, Thread
from galerie.messaging.services import message_post
from galerie.orders.models import SellerOrder, Shipment
from galerie.sellers.models import SellerMember
from tests.api.conftest import Api, seller_key
from tests.orders.conftest import placed as placed  # the fixture
from tests.orders.conftest import shop as shop  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)
Role = SellerMember.Role


@pytest.fixture
def keys(client, placed):
    placed.owner = Api(client, seller_key(placed.seller_a))
    placed.manager = Api(client, seller_key(placed.seller_a, Role.MANAGER))
    placed.clerk = Api(client, seller_key(placed.seller_a, Role.SHIPPING_CLERK))
    placed.other = Api(client, seller_key(placed.seller_b))
    placed.line = placed.part_a.lines.get()  # the book, two of them
    return placed


def state(part: SellerOrder) -> tuple:
    part.refresh_from_db()
    return part.status, part.shipments.count(), part.refusal_reason, part.accepted_at


# --- reads --------------------------------------------------------------------------------------


def test_the_list_holds_the_sellers_orders_and_filters_by_status(keys):
    body = keys.owner.get("/seller/orders/").json()
    assert [o["id"] for o in body["items"]] == [keys.part_a.pk]
    summary = body["items"][0]
    assert summary["status"] == "new" and summary["number"] == keys.part_a.number
    assert summary["total"] == {"amount": keys.part_a.total_minor, "currency": "EUR"}
    assert (
        keys.owner.get("/seller/orders/", status="new").json()["items"]
        and not (keys.owner.get("/seller/orders/", status="shipped").json()["items"])
    )
    assert [o["id"] for o in keys.other.get("/seller/orders/").json()["items"]] == [keys.part_b.pk]


def test_a_bad_status_filter_is_a_422(keys):
    response = keys.owner.get("/seller/orders/", status="lost")
    assert response.status_code == 422 and "status" in response.json()["error"]["errors"]


def test_one_order_has_its_lines_and_the_address_to_ship_to(keys):
    body = keys.clerk.get(f"/seller/orders/{keys.part_a.pk}").json()
    assert body["ship_to"]["city"] == keys.order.ship_city and body["ship_to"]["name"] == keys.order.ship_name
    [line] = body["lines"]
    assert (line["id"], line["quantity"], line["left_to_ship"]) == (keys.line.pk, 2, 2)
    assert line["unit_price"] == {"amount": 1990, "currency": "EUR"} and body["parcels"] == []


def test_another_sellers_order_is_a_404_everywhere(keys):
    before = state(keys.part_b)
    theirs = f"/seller/orders/{keys.part_b.pk}"
    assert keys.owner.get(theirs).status_code == 404
    assert keys.owner.get(f"{theirs}/packing").status_code == 404
    for path, body in [
        ("accept", None), ("refuse", {"reason": "no"}), ("deliver", {}),
        ("shipments", {"carrier": "X", "tracking_number": "T"}), ("messages", {"body": "Hi"}),
    ]:  # fmt: skip
        response = keys.owner.post(f"{theirs}/{path}", body)
        assert response.status_code == 404, (path, response.content)
        assert response.json()["error"]["code"] == "order_not_found"
    assert state(keys.part_b) == before and not Thread.objects.exists()


# --- accept, refuse -----------------------------------------------------------------------------


def test_accepting_an_order_once_even_when_the_request_is_replayed(keys):
    headers = {"Idempotency-Key": "accept-1"}
    first = keys.manager.post(f"/seller/orders/{keys.part_a.pk}/accept", headers=headers)
    again = keys.manager.post(f"/seller/orders/{keys.part_a.pk}/accept", headers=headers)
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    keys.part_a.refresh_from_db()
    assert keys.part_a.status == "accepted"
    from galerie.core.models import OutboxEvent

    events = OutboxEvent.objects.filter(
        topic="seller_order.accepted", payload__seller_order_id=keys.part_a.pk
    )
    assert events.count() == 1


def test_a_shipping_clerk_key_may_not_accept_or_refuse(keys):
    before = state(keys.part_a)
    for path, body in [("accept", None), ("refuse", {"reason": "Out of stock"})]:
        response = keys.clerk.post(f"/seller/orders/{keys.part_a.pk}/{path}", body)
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert state(keys.part_a) == before


def test_refusing_needs_a_reason_and_then_refunds(keys):
    before = state(keys.part_a)
    response = keys.owner.post(f"/seller/orders/{keys.part_a.pk}/refuse", {"reason": ""})
    assert response.status_code == 422 and "reason" in response.json()["error"]["errors"]
    assert state(keys.part_a) == before
    response = keys.owner.post(
        f"/seller/orders/{keys.part_a.pk}/refuse", {"reason": "The last copy is damaged."}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "refused" and body["refusal_reason"] == "The last copy is damaged."


def test_an_order_shipped_already_cannot_be_refused(keys):
    keys.owner.post(f"/seller/orders/{keys.part_a.pk}/accept")
    response = keys.owner.post(f"/seller/orders/{keys.part_a.pk}/refuse", {"reason": "Changed my mind"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"


# --- ship, deliver, packing ---------------------------------------------------------------------


def test_shipping_in_two_parcels_then_delivering(keys):
    base = f"/seller/orders/{keys.part_a.pk}"
    keys.owner.post(f"{base}/accept")
    first = keys.clerk.post(
        f"{base}/shipments",
        {
            "carrier": "Colissimo",
            "tracking_number": "6A001",
            "lines": [{"order_line_id": keys.line.pk, "quantity": 1}],
        },
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "shipped" and body["lines"][0]["left_to_ship"] == 1
    assert body["parcels"][0]["lines"] == [{"order_line_id": keys.line.pk, "quantity": 1}]
    rest = keys.clerk.post(f"{base}/shipments", {"carrier": "Colissimo", "tracking_number": "6A002"})
    assert rest.status_code == 201 and rest.json()["lines"][0]["left_to_ship"] == 0
    assert [p["tracking_number"] for p in rest.json()["parcels"]] == ["6A001", "6A002"]
    one = Shipment.objects.get(tracking_number="6A001")
    partly = keys.clerk.post(f"{base}/deliver", {"shipment_id": one.pk})
    assert partly.status_code == 200 and partly.json()["status"] == "shipped"
    done = keys.clerk.post(f"{base}/deliver", {})
    assert done.json()["status"] == "delivered" and all(p["delivered_at"] for p in done.json()["parcels"])


def test_a_retried_shipment_with_the_same_tracking_number_is_one_parcel(keys):
    base = f"/seller/orders/{keys.part_a.pk}"
    keys.owner.post(f"{base}/accept")
    for _ in range(2):
        assert (
            keys.clerk.post(f"{base}/shipments", {"carrier": "DHL", "tracking_number": "JJD1"}).status_code
            == 201
        )
    assert keys.part_a.shipments.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "", "tracking_number": "T1"}, "carrier"),
        ({"carrier": "DHL"}, "tracking_number"),
        (
            {"carrier": "DHL", "tracking_number": "T1", "lines": [{"order_line_id": 0, "quantity": 1}]},
            "quantities",
        ),
        (
            {"carrier": "DHL", "tracking_number": "T1", "lines": [{"order_line_id": -1, "quantity": 3}]},
            "quantities",
        ),
    ],
)
def test_a_bad_parcel_is_a_422_naming_the_field_and_ships_nothing(keys, body, field):
    keys.owner.post(f"/seller/orders/{keys.part_a.pk}/accept")
    if body.get("lines") and body["lines"][0]["order_line_id"] == -1:
        body["lines"][0]["order_line_id"] = keys.line.pk  # three of a line of two
    before = state(keys.part_a)
    response = keys.clerk.post(f"/seller/orders/{keys.part_a.pk}/shipments", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["errors"]
    assert state(keys.part_a) == before


def test_a_new_order_cannot_be_shipped_nor_delivered(keys):
    base = f"/seller/orders/{keys.part_a.pk}"
    assert keys.owner.post(f"{base}/shipments", {"carrier": "DHL", "tracking_number": "T"}).status_code == 409
    assert keys.owner.post(f"{base}/deliver", {}).status_code == 409
    assert state(keys.part_a)[:2] == ("new", 0)


def test_the_packing_slip_has_the_addresses_and_items_without_prices(keys):
    body = keys.clerk.get(f"/seller/orders/{keys.part_a.pk}/packing").json()
    assert body["ship_from"]["name"] == keys.seller_a.display_name
    assert body["ship_to"]["postal_code"] == keys.order.ship_postal_code
    assert body["lines"][0]["quantity"] == 2 and "price" not in str(body)


# --- messages -----------------------------------------------------------------------------------


def test_a_first_message_starts_the_thread_then_the_thread_is_listed_and_read(keys):
    response = keys.clerk.post(
        f"/seller/orders/{keys.part_a.pk}/messages",
        {"body": "Your book leaves tomorrow. Call me at 06 12 34 56 78"},
    )
    assert response.status_code == 201, response.content
    thread = response.json()
    assert thread["order_number"] == keys.part_a.number and thread["messages"][0]["party"] == "seller"
    assert "06 12 34 56 78" not in thread["messages"][0]["body"] and thread["messages"][0]["masked"]
    message_post(seller_order_id=keys.part_a.pk, party="customer", by=keys.customer, body="Thank you!")
    listed = keys.owner.get("/seller/threads/").json()["items"]
    assert [(t["id"], t["unread"], t["awaiting_answer"]) for t in listed] == [(thread["id"], 1, True)]
    assert keys.other.get("/seller/threads/").json()["items"] == []
    full = keys.owner.get(f"/seller/threads/{thread['id']}").json()
    assert [m["party"] for m in full["messages"]] == ["seller", "customer"]
    read = keys.owner.post(
        f"/seller/threads/{thread['id']}/read", {"upto_message_id": full["messages"][-1]["id"]}
    )
    assert read.json() == {"unread": 0}
    answer = keys.owner.post(f"/seller/threads/{thread['id']}/messages", {"body": "You are welcome."})
    assert answer.status_code == 201 and answer.json()["awaiting_answer"] is False


def test_another_sellers_thread_is_a_404_and_gets_no_message(keys):
    message_post(seller_order_id=keys.part_b.pk, party="customer", by=keys.customer, body="Where is my lamp?")
    thread = Thread.objects.get()
    assert keys.owner.get(f"/seller/threads/{thread.pk}").status_code == 404
    response = keys.owner.post(f"/seller/threads/{thread.pk}/messages", {"body": "Hi"})
    assert response.status_code == 404
    assert keys.owner.post(f"/seller/threads/{thread.pk}/read", {"upto_message_id": 0}).status_code == 404
    assert Message.objects.count() == 1


def test_an_empty_message_is_a_422_and_posts_nothing(keys):
    response = keys.owner.post(f"/seller/orders/{keys.part_a.pk}/messages", {"body": ""})
    assert response.status_code == 422 and "body" in response.json()["error"]["errors"]
    assert not Message.objects.exists()
