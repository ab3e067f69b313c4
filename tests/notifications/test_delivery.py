"""The delivery loop (core/delivery.py) and `galerie worker`: claiming, retries, jobs, stopping."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from galerie.core import delivery
from galerie.core.delivery import (
    MAX_ATTEMPTS,
    JobScheduler,
    handlers_autodiscover,
    jobs_autodiscover,
    outbox_backoff,
    outbox_claim,
    outbox_deliver_batch,
    outbox_event_retry,
    worker_run,
)
from galerie.core.errors import InvalidTransition
from galerie.core.jobs import Job
from galerie.core.models import OutboxEvent
from galerie.core.outbox import emit
from tests.notifications.orders import emit_event

pytestmark = pytest.mark.django_db


class Recorder:
    """A handler that remembers the events it saw and fails for the ids in ``fail``."""

    def __init__(self, fail: set[int] = frozenset()) -> None:
        self.seen: list[int] = []
        self.fail = set(fail)

    def __call__(self, event: OutboxEvent) -> None:
        self.seen.append(event.pk)
        if event.pk in self.fail:
            raise RuntimeError(f"cannot handle #{event.pk}")


def make_due(*events: OutboxEvent) -> None:
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(available_at=timezone.now())


def test_events_go_to_their_handlers_lowest_id_first_and_unhandled_ones_are_marked_delivered():
    first, other, second = emit_event("t.a", n=1), emit_event("t.none", n=2), emit_event("t.a", n=3)
    handler = Recorder()

    result = outbox_deliver_batch({"t.a": [handler]}, batch=10)

    assert handler.seen == [first.pk, second.pk]
    assert (result.claimed, result.delivered, result.unhandled, result.failed) == (3, 3, 1, 0)
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    assert OutboxEvent.objects.get(pk=other.pk).attempts == 0


def test_a_failing_handler_backs_off_exponentially_and_does_not_block_the_events_behind():
    failing, behind = emit_event("t.a"), emit_event("t.a")
    handler = Recorder(fail={failing.pk})
    before = timezone.now()

    result = outbox_deliver_batch({"t.a": [handler]}, batch=10)

    assert (result.delivered, result.failed) == (1, 1)
    assert OutboxEvent.objects.get(pk=behind.pk).delivered_at is not None
    failing.refresh_from_db()
    assert failing.delivered_at is None and failing.attempts == 1
    assert "RuntimeError: cannot handle" in failing.last_error and "Recorder" in failing.last_error
    assert before + timedelta(seconds=30) <= failing.available_at <= timezone.now() + timedelta(seconds=30)

    assert outbox_deliver_batch({"t.a": [handler]}, batch=10).claimed == 0  # not due yet

    make_due(failing)
    before = timezone.now()
    outbox_deliver_batch({"t.a": [handler]}, batch=10)
    failing.refresh_from_db()
    assert failing.attempts == 2
    assert before + timedelta(seconds=60) <= failing.available_at <= timezone.now() + timedelta(seconds=60)

    handler.fail.clear()
    make_due(failing)
    outbox_deliver_batch({"t.a": [handler]}, batch=10)
    failing.refresh_from_db()
    assert failing.delivered_at is not None and failing.attempts == 2
    assert handler.seen == [failing.pk, behind.pk, failing.pk, failing.pk]


def test_every_handler_of_a_topic_must_succeed_before_the_event_is_delivered():
    event = emit_event("t.a")
    ok, failing = Recorder(), Recorder(fail={event.pk})

    outbox_deliver_batch({"t.a": [ok, failing]}, batch=10)

    event.refresh_from_db()
    assert event.delivered_at is None and event.attempts == 1
    assert ok.seen == [event.pk]  # it runs again on the retry: handlers are idempotent


def test_the_backoff_doubles_from_thirty_seconds_up_to_six_hours():
    assert [outbox_backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox_backoff(MAX_ATTEMPTS) == timedelta(hours=6)


def test_after_the_last_attempt_the_event_is_a_dead_letter_logged_loudly(caplog):
    event = emit_event("t.a")
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=MAX_ATTEMPTS - 1)
    handler = Recorder(fail={event.pk})

    with caplog.at_level(logging.ERROR, logger="galerie.core.delivery"):
        result = outbox_deliver_batch({"t.a": [handler]}, batch=10)

    assert (result.failed, result.dead) == (1, 1)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "DEAD LETTER" in record.getMessage() and f"#{event.pk}" in record.getMessage()
    make_due(event)
    assert outbox_deliver_batch({"t.a": [handler]}, batch=10).claimed == 0  # never again by itself
    event.refresh_from_db()
    assert event.delivered_at is None and event.attempts == MAX_ATTEMPTS

    # The operator fixed the cause and retries it from the admin.
    handler.fail.clear()
    outbox_event_retry(event_id=event.pk)
    assert outbox_deliver_batch({"t.a": [handler]}, batch=10).delivered == 1
    with pytest.raises(InvalidTransition):
        outbox_event_retry(event_id=event.pk)


def test_a_claimed_event_is_leased_to_its_worker_until_the_lease_runs_out():
    event = emit_event("t.a")

    assert [e.pk for e in outbox_claim(batch=10)] == [event.pk]
    assert outbox_claim(batch=10) == []  # another worker finds nothing while the lease runs

    # The first worker died: when the lease ends, the event is taken again (at least once).
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    assert [e.pk for e in outbox_claim(batch=10)] == [event.pk]


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_lease_or_backoff_setting_that_is_not_a_positive_number_is_refused_by_name(settings, value):
    from django.core.exceptions import ImproperlyConfigured

    settings.GALERIE_OUTBOX_LEASE_SECONDS = value
    settings.GALERIE_OUTBOX_BACKOFF_SECONDS = value
    with pytest.raises(ImproperlyConfigured, match="GALERIE_OUTBOX_LEASE_SECONDS"):
        outbox_claim(batch=1)
    with pytest.raises(ImproperlyConfigured, match="GALERIE_OUTBOX_BACKOFF_SECONDS"):
        outbox_backoff(1)


def test_the_lease_and_first_backoff_are_settings(settings):
    settings.GALERIE_OUTBOX_LEASE_SECONDS = 7
    settings.GALERIE_OUTBOX_BACKOFF_SECONDS = 2
    event = emit_event("t.a")
    before = timezone.now()

    [claimed] = outbox_claim(batch=1)

    assert claimed.pk == event.pk
    stored = OutboxEvent.objects.get(pk=event.pk).available_at
    assert stored == claimed.available_at
    assert before + timedelta(seconds=7) <= stored <= timezone.now() + timedelta(seconds=7)
    assert [outbox_backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]


def test_no_jobs_delivers_events_and_runs_no_job(monkeypatch):
    ran = []
    monkeypatch.setattr(
        delivery, "jobs_autodiscover", lambda: {"j": Job("j", lambda: ran.append(1) or 1, 60)}
    )
    event = emit_event("t.unhandled")

    call_command("worker", "--once", "--no-jobs", stdout=StringIO())

    assert ran == []
    assert OutboxEvent.objects.get(pk=event.pk).delivered_at is not None


def test_a_stop_request_gives_back_the_events_not_started():
    events = [emit_event("t.a") for _ in range(3)]
    stop = threading.Event()

    def stopping(event: OutboxEvent) -> None:
        stop.set()  # SIGTERM arrives while the first event is being handled

    result = outbox_deliver_batch({"t.a": [stopping]}, batch=10, stop=stop)

    assert (result.delivered, result.released) == (1, 2)
    assert OutboxEvent.objects.get(pk=events[0].pk).delivered_at is not None
    rest = OutboxEvent.objects.filter(pk__in=[e.pk for e in events[1:]])
    assert all(e.delivered_at is None and e.available_at <= timezone.now() for e in rest)


def test_jobs_autodiscover_imports_the_jobs_module_of_every_galerie_app_that_has_one():
    jobs = jobs_autodiscover()

    assert "galerie.orders.jobs" in sys.modules and "galerie.checkout.jobs" in sys.modules
    assert {job.run.__module__ for job in jobs.values()} >= {"galerie.orders.jobs", "galerie.checkout.jobs"}
    assert "galerie.notifications.jobs" not in sys.modules  # it has none, and that is no error


def test_handlers_autodiscover_collects_each_apps_handlers_in_the_order_the_apps_are_installed():
    handlers = handlers_autodiscover()

    assert [f.__module__ for f in handlers["order.placed"]] == [
        "galerie.checkout.handlers",
        "galerie.ledger.handlers",
        "galerie.notifications.handlers",
        "galerie.webhooks.handlers",
    ]
    assert [f.__module__ for f in handlers["offer_import.queued"]] == ["galerie.offers.handlers"]
    assert [f.__module__ for f in handlers["offer.status_changed"]] == [
        "galerie.search.handlers",
        "galerie.webhooks.handlers",
    ]
    assert handlers_autodiscover() == handlers  # collecting twice lists nothing twice


def test_the_scheduler_runs_each_job_when_due_and_survives_a_failing_job(caplog):
    now = [0.0]
    calls: list[str] = []

    def ok() -> int:
        calls.append("ok")
        return 1

    def broken() -> int:
        calls.append("broken")
        raise RuntimeError("boom")

    jobs = {"ok": Job("ok", ok, every_seconds=10), "broken": Job("broken", broken, every_seconds=5)}
    scheduler = JobScheduler(jobs, clock=lambda: now[0])

    with caplog.at_level(logging.ERROR, logger="galerie.core.delivery"):
        assert scheduler.run_due() == 2
    now[0] = 6
    assert scheduler.run_due() == 1
    now[0] = 10
    assert scheduler.run_due() == 1
    now[0] = 11
    assert scheduler.run_due() == 1

    assert calls == ["ok", "broken", "broken", "ok", "broken"]
    assert (scheduler.runs, scheduler.errors) == (5, 3)
    assert "job broken failed" in caplog.text


def test_once_delivers_everything_runs_each_job_once_and_delivers_what_the_jobs_emitted():
    emit_event("t.a")

    def emitting_job() -> int:
        with transaction.atomic():
            emit("t.a", by="job")
        return 1

    handler = Recorder()
    jobs = {"emits": Job("emits", emitting_job, every_seconds=3600)}

    summary = worker_run({"t.a": [handler]}, once=True, batch=1, jobs=jobs)

    assert len(handler.seen) == 2
    assert (summary.delivered, summary.jobs_run, summary.batches) == (2, 1, 2)
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


def test_the_command_prints_a_summary(monkeypatch):
    handler = Recorder()
    monkeypatch.setitem(delivery.JOBS, "test.noop", Job("test.noop", lambda: 0, every_seconds=60))
    monkeypatch.setattr(
        "galerie.notifications.management.commands.worker.handlers_autodiscover", lambda: {"t.a": [handler]}
    )
    emit_event("t.a")
    out = StringIO()

    call_command("worker", "--once", "--batch", "5", stdout=out)

    assert len(handler.seen) == 1
    assert out.getvalue().startswith("worker stopped: 1 events delivered")


def test_sigterm_stops_the_worker_cleanly_and_restores_the_signal_handlers(monkeypatch):
    previous = signal.getsignal(signal.SIGTERM)
    sent: list[int] = []

    def terminate() -> int:
        # A job runs inside the worker's loop, after it installed its handlers: the signal comes
        # while the worker runs, whatever the speed of the machine (a timer could come too soon).
        if not sent:
            sent.append(os.getpid())
            os.kill(os.getpid(), signal.SIGTERM)
        return 0

    monkeypatch.setitem(delivery.JOBS, "test.sigterm", Job("test.sigterm", terminate, every_seconds=3600))
    out = StringIO()

    call_command("worker", "--sleep", "0.05", stdout=out)

    assert sent and out.getvalue().startswith("worker stopped:")
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_batched_handler_gets_every_event_of_its_topics_in_one_call():
    events = [emit_event("t.batch", n=n) for n in range(3)] + [emit_event("t.other_batch", n=9)]
    mixed = emit_event("t.mixed", n=4)
    calls: list[list[int]] = []
    plain = Recorder()

    @delivery.batched
    def collect(batch: list[OutboxEvent]) -> None:
        calls.append([e.pk for e in batch])

    result = outbox_deliver_batch(
        {"t.batch": [collect], "t.other_batch": [collect], "t.mixed": [plain, collect]}, batch=10
    )

    # One call for the four events whose only handler it is; the event with two handlers
    # goes through both, the batched one with a list of one.
    assert calls == [[e.pk for e in events], [mixed.pk]]
    assert plain.seen == [mixed.pk]
    assert result.delivered == 5
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


def test_a_failing_batched_handler_counts_an_attempt_for_each_of_its_events():
    events = [emit_event("t.batch", n=n) for n in range(2)]

    @delivery.batched
    def fail(batch: list[OutboxEvent]) -> None:
        raise RuntimeError("the index is down")

    result = outbox_deliver_batch({"t.batch": [fail]}, batch=10)

    assert (result.failed, result.delivered) == (2, 0)
    for event in events:
        event.refresh_from_db()
        assert event.delivered_at is None and event.attempts == 1
        assert "the index is down" in event.last_error
