"""Sending: to a real HTTP receiver on loopback; signatures, retries, dead letters, no repeats."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.core.models import OutboxEvent
from galerie.webhooks.models import WebhookAttempt, WebhookDelivery
from galerie.webhooks.sending import (
    BACKOFF_MAX,
    GIVE_UP_AFTER,
    next_attempt_after_failure,
    webhook_backoff,
    webhooks_send_due,
)
from galerie.webhooks.services import webhook_delivery_redeliver, webhook_endpoint_set_active
from tests.webhooks.helpers import documented_check, queue_one

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


def test_the_receiver_gets_the_body_and_headers_and_the_signature_verifies_with_the_documented_snippet(
    receiver, operator_endpoint
):
    event = queue_one(operator_endpoint, event_type="order.placed", data={"order": {"id": 7}})

    result = webhooks_send_due()

    assert (result.claimed, result.delivered, result.failed) == (1, 1, 0)
    [got] = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert got.path == "/hooks?source=galerie"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == "Galerie-Webhooks/1"
    assert got.headers["Galerie-Event-Id"] == str(event.uuid)
    assert got.headers["Galerie-Event-Type"] == "order.placed"
    assert got.headers["Galerie-Delivery-Id"] == str(delivery.pk)
    body = json.loads(got.body)
    assert body == {
        "id": str(event.uuid),
        "type": "order.placed",
        "created": event.created_at.isoformat(),
        "data": {"order": {"id": 7}},
    }
    check = documented_check()
    assert check(operator_endpoint.secret, got.headers["Galerie-Signature"], got.body)
    assert not check(operator_endpoint.secret, got.headers["Galerie-Signature"], got.body + b" ")
    assert not check("whsec_other", got.headers["Galerie-Signature"], got.body)
    assert delivery.status == Status.DELIVERED and delivery.attempts == 1 and delivery.last_status_code == 200
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code == 200 and attempt.error == "" and attempt.duration_ms >= 0


def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_try(receiver, operator_endpoint):
    receiver.statuses = [500, 503, 404]
    queue_one(operator_endpoint)
    now = timezone.now()

    outcomes = []
    for _ in range(4):
        delivery = WebhookDelivery.objects.get()
        now = max(now, delivery.next_attempt_at)
        result = webhooks_send_due(now=now)
        outcomes.append((result.delivered, result.failed))
        assert webhooks_send_due(now=now).claimed == 0  # not due again at once

    assert outcomes == [(0, 1), (0, 1), (0, 1), (1, 0)]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 4
    assert [a.status_code for a in delivery.attempt_log.order_by("id")] == [500, 503, 404, 200]
    assert [a.error for a in delivery.attempt_log.order_by("id")] == ["HTTP 500", "HTTP 503", "HTTP 404", ""]
    assert len(receiver.received) == 4
    assert len({r.body for r in receiver.received}) == 1  # the same bytes each time


def test_a_receiver_that_always_fails_leaves_the_delivery_dead_after_three_days(receiver, operator_endpoint):
    receiver.default = 500
    queue_one(operator_endpoint)
    first = timezone.now()

    tries = 0
    while (delivery := WebhookDelivery.objects.get()).status == Status.PENDING:
        webhooks_send_due(now=max(first, delivery.next_attempt_at))
        tries += 1
        assert tries < 100

    assert delivery.status == Status.DEAD
    times = list(delivery.attempt_log.order_by("id").values_list("at", flat=True))
    assert times[0] == first and times[-1] == first + GIVE_UP_AFTER
    assert all(b > a for a, b in itertools.pairwise(times))
    assert len(receiver.received) == tries == delivery.attempts == len(times)
    # A dead delivery is not sent again, however late.
    assert webhooks_send_due(now=first + timedelta(days=30)).claimed == 0


def test_a_delivered_delivery_is_never_sent_again(receiver, operator_endpoint):
    queue_one(operator_endpoint)
    queue_one(operator_endpoint)

    first, second = webhooks_send_due(), webhooks_send_due(now=timezone.now() + timedelta(days=5))

    assert (first.delivered, second.claimed) == (2, 0)
    assert len(receiver.received) == 2
    assert len({r.headers["Galerie-Event-Id"] for r in receiver.received}) == 2


def test_a_timeout_or_a_refused_connection_is_a_failed_try_with_its_reason(settings, operator_endpoint):
    # Nothing listens on this port any more (the receiver fixture's server is gone): refused.
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    from galerie.webhooks.models import WebhookEndpoint

    WebhookEndpoint.objects.filter(pk=operator_endpoint.pk).update(url="http://127.0.0.1:8749/gone")
    queue_one(operator_endpoint)

    assert webhooks_send_due().failed == 1

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING and delivery.last_status_code is None
    assert delivery.last_error == "connection refused"
    assert delivery.next_attempt_at > timezone.now()


def test_the_guard_runs_again_at_send_time(receiver, settings, operator_endpoint):
    queue_one(operator_endpoint)
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = []  # the operator withdrew the host

    assert webhooks_send_due().failed == 1

    assert receiver.received == []
    assert WebhookDelivery.objects.get().last_error.startswith("refused: Use https")


def test_redelivery_of_a_dead_or_delivered_delivery_sends_it_again_and_is_recorded(
    receiver, operator, operator_endpoint
):
    queue_one(operator_endpoint)
    webhooks_send_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.DELIVERED

    again = webhook_delivery_redeliver(delivery_id=delivery.pk, seller_id=None, by=operator)

    assert again.status == Status.PENDING and again.attempts == 0 and again.delivered_at is None
    assert again.redelivered_by == operator and again.redelivered_at is not None
    event = OutboxEvent.objects.filter(topic="webhook_delivery.redelivered").get()
    assert event.payload["previous_status"] == "delivered" and event.payload["by_user_id"] == operator.pk
    assert webhooks_send_due().delivered == 1
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body
    assert WebhookDelivery.objects.get().attempt_log.count() == 2


def test_a_paused_endpoint_keeps_its_pending_deliveries_until_it_resumes(
    receiver, operator, operator_endpoint
):
    queue_one(operator_endpoint)
    webhook_endpoint_set_active(endpoint_id=operator_endpoint.pk, seller_id=None, active=False, by=operator)

    assert webhooks_send_due().claimed == 0
    queue_one(operator_endpoint)  # a paused endpoint is queued nothing new
    assert WebhookDelivery.objects.count() == 1

    webhook_endpoint_set_active(endpoint_id=operator_endpoint.pk, seller_id=None, active=True, by=operator)
    assert webhooks_send_due().delivered == 1


@given(st.lists(st.integers(min_value=0, max_value=600), max_size=80))
@settings(max_examples=60, deadline=None)
def test_the_schedule_moves_forward_and_ends_three_days_after_the_first_try(delays):
    """Whatever the lateness of the worker (``delays`` seconds after each due time), the tries'
    times strictly increase, the waits never exceed 6 h, and the last try is at the end of the
    third day, after which the delivery is dead."""
    first = timezone.now()
    now, attempts, times = first, 0, [first]
    delays = iter(delays)
    while True:
        attempts += 1
        retry = next_attempt_after_failure(first_attempt_at=first, attempts=attempts, now=now)
        if retry is None:
            break
        assert now < retry <= first + GIVE_UP_AFTER
        assert retry - now <= BACKOFF_MAX
        now = min(retry + timedelta(seconds=next(delays, 0)), first + GIVE_UP_AFTER)
        times.append(now)
    assert times[-1] == first + GIVE_UP_AFTER
    assert all(b > a for a, b in itertools.pairwise(times))
    assert attempts == len(times)


def test_the_back_off_doubles_from_one_minute_up_to_six_hours():
    assert [webhook_backoff(n).total_seconds() / 60 for n in range(1, 11)] == [
        1, 2, 4, 8, 16, 32, 64, 128, 256, 360,
    ]  # fmt: skip
    assert webhook_backoff(1000) == BACKOFF_MAX


def test_past_its_time_budget_a_sender_gives_back_what_it_did_not_start(receiver, operator_endpoint):
    receiver.delay = 0.3
    for _ in range(4):
        queue_one(operator_endpoint)

    result = webhooks_send_due(budget_seconds=0.1)

    assert (result.claimed, result.delivered, result.released) == (4, 1, 3)
    assert (
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now()).count()
        == 3
    )
    receiver.delay = 0
    assert webhooks_send_due().delivered == 3 and len(receiver.received) == 4


def test_the_job_sends_what_is_due():
    from galerie.core.jobs import JOBS
    from galerie.webhooks import jobs

    assert JOBS["webhooks.send_due"].run is jobs.send_due
    assert jobs.send_due() == 0
