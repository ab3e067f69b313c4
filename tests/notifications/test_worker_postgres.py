"""Several workers at once on PostgreSQL, with real connections and threads."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from galerie.core.delivery import outbox_claim, outbox_deliver_batch, worker_run
from galerie.core.models import OutboxEvent
from galerie.notifications.emails import Email
from galerie.notifications.models import SentEmail
from galerie.notifications.services import email_send_once
from tests.notifications.orders import emit_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(count: int, target) -> list:
    """Run ``target(index)`` in ``count`` threads started together; return their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_workers_skip_each_others_rows_and_deliver_each_event_once():
    events = [emit_event("t.count", n=n) for n in range(60)]
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()
    both_working = threading.Event()

    def worker(index: int):
        def handle(event: OutboxEvent) -> None:
            with lock:
                seen.append((index, event.pk))
                if {i for i, _ in seen} == {0, 1}:
                    both_working.set()
            # Each worker holds its first event until the other has one too: both take part by
            # construction, not because a sleep happened to be long enough.
            assert both_working.wait(timeout=30), "the other worker never claimed an event"

        return worker_run({"t.count": [handle]}, once=True, batch=5, jobs={})

    summaries = in_threads(2, worker)

    assert connection.vendor == "postgresql"
    per_event = Counter(pk for _, pk in seen)
    assert sorted(per_event) == [e.pk for e in events]
    assert set(per_event.values()) == {1}
    assert all(summary.delivered > 0 for summary in summaries)  # both did part of the work
    assert sum(summary.delivered for summary in summaries) == 60
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


def test_two_deliveries_of_the_same_event_at_once_send_one_email(mailbox):
    event = emit_event("order.placed", order_id=1)
    email = Email(
        kind="order_placed",
        recipient="marie@example.test",
        subject="Thank you for your order",
        text="Thank you.",
        html="<p>Thank you.</p>",
        from_email="Shop <no-reply@galerie.test>",
        language="en",
    )

    sent = in_threads(2, lambda index: email_send_once(event_uuid=event.uuid, email=email))

    assert sorted(sent) == [False, True]
    assert len(mailbox.received) == 1
    assert SentEmail.objects.filter(event_uuid=event.uuid).count() == 1


def test_a_worker_renews_the_lease_of_its_batch_while_a_handler_outlasts_it(settings):
    settings.GALERIE_OUTBOX_LEASE_SECONDS = 0.3  # renewed every 0.1 s
    slow, behind = emit_event("t.slow"), emit_event("t.slow")
    in_handler, others_saw = threading.Event(), []

    def handle(event: OutboxEvent) -> None:
        if event.pk == slow.pk:
            in_handler.set()
            threading.Event().wait(1.0)  # more than three leases

    def other_worker(index: int):
        if index == 0:
            return outbox_deliver_batch({"t.slow": [handle]}, batch=10)
        assert in_handler.wait(timeout=30)
        for _ in range(8):  # for 0.8 s, while the first worker is in its handler
            others_saw.extend(e.pk for e in outbox_claim(batch=10))
            threading.Event().wait(0.1)
        return None

    result, _ = in_threads(2, other_worker)

    assert others_saw == []  # the lease, renewed, kept both events the first worker's
    assert result.delivered == 2
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0
    assert behind.pk  # delivered in the same batch, after the slow one
