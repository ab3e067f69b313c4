"""The handlers: outbox events of a real checkout become public events for the right owners,
once."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from galerie.core.delivery import handlers_autodiscover
from galerie.core.models import OutboxEvent
from galerie.orders.services import seller_order_accept, seller_order_ship
from galerie.webhooks import handlers
from galerie.webhooks.models import WebhookDelivery
from galerie.webhooks.services import webhook_endpoint_create
from tests.checkout.conftest import shop as shop
from tests.factories import make_offer, make_seller, make_staff_member, make_user
from tests.orders.conftest import placed as placed

pytestmark = pytest.mark.django_db(transaction=True)  # checkout calls the gateway outside transactions


def run_handlers(*topics: str) -> None:
    """Run this app's handlers on every event of ``topics``, as the worker does."""
    for event in OutboxEvent.objects.filter(topic__in=topics).order_by("id"):
        for handler in handlers.HANDLERS[event.topic]:
            handler([event]) if getattr(handler, "batched", False) else handler(event)


def bodies(endpoint) -> list[dict]:
    return [json.loads(d.body) for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")]


@pytest.fixture
def hooks(placed, receiver):
    """An endpoint for each of the two sellers of the order, and one for the operator."""
    staff = make_user(is_staff=True)
    types = [
        "order.placed",
        "seller_order.accepted",
        "seller_order.shipped",
        "offer.created",
        "offer.updated",
    ]
    placed.hook_a = webhook_endpoint_create(
        seller_id=placed.seller_a.pk, url=receiver.url, event_types=types, by=placed.owner_a
    )
    placed.hook_b = webhook_endpoint_create(
        seller_id=placed.seller_b.pk, url=receiver.url, event_types=types, by=placed.owner_b
    )
    placed.hook_op = webhook_endpoint_create(seller_id=None, url=receiver.url, event_types=types, by=staff)
    return placed


def test_the_worker_collects_the_webhook_handlers():
    collected = handlers_autodiscover()
    assert handlers.seller_order_placed in collected["seller_order.placed"]
    assert handlers.order_placed in collected["order.placed"]


def test_order_placed_gives_each_seller_its_part_and_the_operator_the_order(hooks):
    run_handlers("seller_order.placed", "order.placed")

    [a] = bodies(hooks.hook_a)
    [b] = bodies(hooks.hook_b)
    [op] = bodies(hooks.hook_op)
    assert a["type"] == b["type"] == op["type"] == "order.placed"
    assert a["data"]["seller_order"]["id"] == hooks.part_a.pk
    assert a["data"]["seller_order"]["seller_id"] == hooks.seller_a.pk
    assert a["data"]["seller_order"]["total"] == {"amount": hooks.part_a.total_minor, "currency": "EUR"}
    assert {line["offer_id"] for line in a["data"]["seller_order"]["lines"]} == set(
        hooks.part_a.lines.values_list("offer_id", flat=True)
    )
    assert b["data"]["seller_order"]["id"] == hooks.part_b.pk
    assert op["data"]["order"]["id"] == hooks.order.pk
    assert op["data"]["order"]["total"] == {"amount": hooks.order.total_minor, "currency": "EUR"}
    assert {p["id"] for p in op["data"]["order"]["seller_orders"]} == {hooks.part_a.pk, hooks.part_b.pk}
    # Nothing of seller B reached seller A's endpoint, and the reverse.
    assert str(hooks.part_b.number) not in json.dumps(a) and str(hooks.part_a.number) not in json.dumps(b)


def test_a_handler_run_twice_queues_nothing_new(hooks):
    run_handlers("seller_order.placed", "order.placed")
    before = list(
        WebhookDelivery.objects.order_by("id").values_list("id", "endpoint_id", "event_uuid", "body")
    )

    run_handlers("seller_order.placed", "order.placed")

    after = list(
        WebhookDelivery.objects.order_by("id").values_list("id", "endpoint_id", "event_uuid", "body")
    )
    assert after == before and len(before) == 3


def test_a_seller_never_gets_another_sellers_events(hooks):
    seller_order_accept(seller_order_id=hooks.part_b.pk, acting_user=hooks.owner_b)
    seller_order_ship(
        seller_order_id=hooks.part_b.pk,
        acting_user=hooks.owner_b,
        carrier="Colissimo",
        tracking_number="6A123",
    )
    make_offer(seller=hooks.seller_b)
    other = make_seller()
    make_offer(seller=other)

    run_handlers(*handlers.HANDLERS)

    assert {b["type"] for b in bodies(hooks.hook_b)} >= {
        "seller_order.accepted", "seller_order.shipped", "offer.created", "offer.updated",
    }  # fmt: skip
    a_types = [b["type"] for b in bodies(hooks.hook_a)]
    assert "seller_order.accepted" not in a_types and "seller_order.shipped" not in a_types
    a_sellers = {
        b["data"].get("seller_order", b["data"].get("offer", {})).get("seller_id")
        for b in bodies(hooks.hook_a)
    }
    assert a_sellers == {hooks.seller_a.pk}
    shipped = next(b for b in bodies(hooks.hook_b) if b["type"] == "seller_order.shipped")
    assert shipped["data"]["parcel"]["carrier"] == "Colissimo"
    assert shipped["data"]["parcel"]["tracking_number"] == "6A123"
    # The operator got them all, including the other seller's offer.
    op_offers = {
        b["data"]["offer"]["seller_id"] for b in bodies(hooks.hook_op) if b["type"] == "offer.created"
    }
    assert {hooks.seller_b.pk, other.pk} <= op_offers


def test_only_subscribed_types_are_queued(hooks):
    run_handlers("seller_order.placed", "order.placed")
    seller_order_accept(seller_order_id=hooks.part_a.pk, acting_user=hooks.owner_a)
    staff = make_user(is_staff=True)
    narrow = webhook_endpoint_create(
        seller_id=hooks.seller_a.pk, url=hooks.hook_a.url, event_types=["payout.paid"], by=hooks.owner_a
    )
    del staff

    run_handlers(*handlers.HANDLERS)

    assert bodies(narrow) == []


def test_the_operators_own_events_reach_only_operator_endpoints(receiver):
    staff = make_user(is_staff=True)
    hook = webhook_endpoint_create(seller_id=None, url=receiver.url, event_types=["seller.applied"], by=staff)

    seller = make_seller(active=False)
    run_handlers("seller.applied")

    [body] = bodies(hook)
    assert body["type"] == "seller.applied"
    assert body["data"]["seller"] == {
        "id": seller.pk, "slug": seller.slug, "display_name": seller.display_name, "status": "applied",
    }  # fmt: skip
    owner = make_staff_member(seller)
    assert owner  # a seller's endpoint cannot even subscribe to it: see test_services


def test_a_refused_parts_refund_goes_to_its_seller_and_a_customers_message_too(placed, receiver):
    from galerie.messaging.services import message_post
    from galerie.orders.services import seller_order_refuse
    from tests.orders.conftest import deliver_webhooks

    types = ["refund.succeeded", "message.received", "seller_order.refused"]
    hook_a = webhook_endpoint_create(
        seller_id=placed.seller_a.pk, url=receiver.url, event_types=types, by=placed.owner_a
    )
    hook_b = webhook_endpoint_create(
        seller_id=placed.seller_b.pk, url=receiver.url, event_types=types, by=placed.owner_b
    )
    deliver_webhooks()  # the capture is confirmed
    seller_order_refuse(seller_order_id=placed.part_b.pk, acting_user=placed.owner_b, reason="Broken")
    deliver_webhooks()  # the refund is confirmed
    message_post(
        seller_order_id=placed.part_a.pk, party="customer", by=placed.customer, body="Is it shipped?"
    )
    message_post(seller_order_id=placed.part_a.pk, party="seller", by=placed.owner_a, body="Tomorrow.")

    run_handlers(*handlers.HANDLERS)

    by_type_b = {b["type"]: b["data"] for b in bodies(hook_b)}
    assert set(by_type_b) == {"seller_order.refused", "refund.succeeded"}
    assert by_type_b["refund.succeeded"]["seller_order"]["id"] == placed.part_b.pk
    assert by_type_b["refund.succeeded"]["refund"]["amount"] == {
        "amount": placed.part_b.total_minor,
        "currency": "EUR",
    }
    assert by_type_b["seller_order.refused"]["reason"] == "Broken"
    [message] = bodies(hook_a)  # the seller's own answer is not sent back to it
    assert message["type"] == "message.received"
    assert message["data"]["message"]["from"] == "customer"
    assert message["data"]["seller_order"]["id"] == placed.part_a.pk
    assert "Is it shipped" not in json.dumps(message)  # the text stays in Galerie


def test_offer_events_stay_batched_with_the_search_index(receiver):
    """The worker gives a topic's events to its handlers in one call each only when all of them
    take lists: the search index and this app both do on the offer topics."""
    from galerie.core.delivery import outbox_deliver_batch

    seller = make_seller()
    owner = make_staff_member(seller)
    hook = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["offer.created"], by=owner
    )
    OutboxEvent.objects.update(delivered_at=timezone.now())
    offers = [make_offer(seller=seller) for _ in range(3)]
    calls: list[int] = []
    collected = handlers_autodiscover()

    def counting(events):
        calls.append(len(events))
        handlers.offer_events(events)

    counting.batched = True
    collected["offer.created"] = [*collected["offer.created"][:-1], counting]

    result = outbox_deliver_batch({"offer.created": collected["offer.created"]}, batch=100)

    assert calls == [3] and result.failed == 0
    assert not OutboxEvent.objects.filter(topic="offer.created", delivered_at__isnull=True).exists()
    assert sorted(b["data"]["offer"]["id"] for b in bodies(hook)) == sorted(o.pk for o in offers)


def test_offer_updates_carry_the_value_each_event_set(receiver):
    from galerie.core.money import Money
    from galerie.offers.services import offer_price_set, offer_status_set, offer_stock_set

    seller = make_seller()
    owner = make_staff_member(seller)
    hook = webhook_endpoint_create(
        seller_id=seller.pk, url=receiver.url, event_types=["offer.updated"], by=owner
    )
    offer = make_offer(seller=seller, price_minor=1990, stock=10)
    offer_stock_set(offer_id=offer.pk, stock=7, by=owner)
    offer_stock_set(offer_id=offer.pk, stock=3, by=owner)
    offer_price_set(offer_id=offer.pk, price=Money(2490, "EUR"), by=owner)
    offer_status_set(offer_id=offer.pk, status="paused", by=owner)

    run_handlers(*handlers.OFFER_CHANGES)

    got = [
        (b["data"]["changes"], b["data"]["offer"]["stock"], b["data"]["offer"]["price"]["amount"])
        for b in bodies(hook)
    ]
    assert got == [(["stock"], 7, 2490), (["stock"], 3, 2490), (["price"], 3, 2490), (["status"], 3, 2490)]
    price = next(b["data"] for b in bodies(hook) if b["data"]["changes"] == ["price"])
    assert price["previous_price"] == {"amount": 1990, "currency": "EUR"}
    assert bodies(hook)[-1]["data"]["offer"]["status"] == "paused"
