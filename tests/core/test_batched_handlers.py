"""The worker batches a topic's events when every handler of the topic takes lists."""

from __future__ import annotations

import pytest
from django.db import transaction

from galerie.core.delivery import batched, outbox_deliver_batch
from galerie.core.models import OutboxEvent
from galerie.core.outbox import emit

pytestmark = pytest.mark.django_db


def emit_events(topic: str, count: int) -> list[OutboxEvent]:
    with transaction.atomic():
        return [emit(topic, n=n) for n in range(count)]


def test_two_batched_handlers_each_get_all_the_events_at_once():
    emit_events("t.b", 3)
    calls: dict[str, list[int]] = {"one": [], "two": []}

    @batched
    def one(events):
        calls["one"].append(len(events))

    @batched
    def two(events):
        calls["two"].append(len(events))

    result = outbox_deliver_batch({"t.b": [one, two]}, batch=10)

    assert calls == {"one": [3], "two": [3]}
    assert (result.delivered, result.failed) == (3, 0)
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


def test_when_one_of_two_batched_handlers_fails_the_events_are_retried_once_each():
    events = emit_events("t.b", 2)

    @batched
    def fine(events):
        pass

    @batched
    def broken(events):
        raise RuntimeError("down")

    result = outbox_deliver_batch({"t.b": [broken, fine]}, batch=10)

    assert (result.delivered, result.failed) == (0, 2)
    for event in OutboxEvent.objects.filter(pk__in=[e.pk for e in events]):
        assert event.delivered_at is None and event.attempts == 1 and "down" in event.last_error


def test_a_topic_with_a_one_event_handler_is_not_batched():
    emit_events("t.m", 2)
    seen: list[object] = []

    @batched
    def listing(events):
        seen.append(("list", len(events)))

    def single(event):
        seen.append(("one", event.payload["n"]))

    outbox_deliver_batch({"t.m": [listing, single]}, batch=10)

    assert seen == [("list", 1), ("one", 0), ("list", 1), ("one", 1)]
