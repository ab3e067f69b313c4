"""On PostgreSQL with real connections: messages posted and read at once keep the thread's
counts exact (one thread is created, each post counts once, a read never hides a later post)."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import connection, connections

from galerie.messaging.models import Message, SellerResponse, Thread
from galerie.messaging.services import message_post, thread_read
from tests.messaging.conftest import T0, H

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run(jobs) -> list[Exception]:
    barrier = threading.Barrier(len(jobs))
    errors: list[Exception] = []

    def run(job) -> None:
        try:
            barrier.wait()
            job()
        except Exception as error:  # collected: the test fails on any
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_first_messages_make_one_thread_and_exact_counts(world):
    part = world.part_a

    def customer(i):
        return lambda: message_post(
            seller_order_id=part.pk, party="customer", by=world.customer, body=f"c{i}", now=T0 + i * H
        )

    def seller(i):
        return lambda: message_post(
            seller_order_id=part.pk, party="seller", by=world.owner_a, body=f"s{i}", now=T0 + i * H
        )

    errors = _run([customer(i) for i in range(6)] + [seller(i) for i in range(6)])
    assert connection.vendor == "postgresql" and not errors, errors
    thread = Thread.objects.get()
    messages = list(Message.objects.order_by("id").values_list("pk", "party"))
    assert len(messages) == 12
    # Each party's count is what the other party posted after its own last message.
    for party, field in [("customer", "customer_unread"), ("seller", "seller_unread")]:
        last_own = max(pk for pk, p in messages if p == party)
        expected = sum(1 for pk, p in messages if pk > last_own and p != party)
        assert getattr(thread, field) == expected, (party, messages)
    assert thread.operator_unread == 12
    # Every seller message that follows a customer message answers one question.
    answers = sum(1 for (_, a), (_, b) in itertools.pairwise(messages) if a == "customer" and b == "seller")
    assert SellerResponse.objects.count() == answers


def test_a_read_running_with_posts_never_hides_a_later_message(world):
    part = world.part_a
    first = message_post(seller_order_id=part.pk, party="seller", by=world.owner_a, body="0", now=T0)
    jobs = [
        lambda: thread_read(
            seller_order_id=part.pk, party="customer", by=world.customer, upto_message_id=first.pk
        )
    ] + [
        (
            lambda i=i: message_post(
                seller_order_id=part.pk, party="seller", by=world.owner_a, body=f"{i}", now=T0
            )
        )
        for i in range(1, 6)
    ]
    assert not _run(jobs)
    thread = Thread.objects.get()
    later = Message.objects.filter(pk__gt=thread.customer_read_upto).count()
    assert thread.customer_unread == later
