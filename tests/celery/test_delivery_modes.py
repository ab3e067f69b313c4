"""The outbox's delivery contract, run both ways: by `galerie worker` (embedded, no broker) and by
the relay and a real Celery worker over RabbitMQ and over Redis (docs/celery.md).

Every test here runs three times: the same events, handlers and checks, only the way out of the
outbox differs. The Celery runs use the real brokers of the machine, each on a queue of its own.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core import tasks
from galerie.core.delivery import MAX_ATTEMPTS, outbox_claim, worker_run
from galerie.core.jobs import JOBS, Job
from galerie.core.models import OutboxEvent
from galerie.core.relay import relay_publish, relay_run
from galerie.core.requestid import request_id_bound, request_id_current
from galerie.notifications.emails import Email
from galerie.notifications.services import email_send_once
from tests.notifications.orders import emit_event

pytestmark = pytest.mark.django_db(transaction=True)

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# Celery is the way past one machine, hence on PostgreSQL (SQLite's in-memory test database locks
# whole tables against a worker thread; no deployment runs Celery workers on SQLite).
MODES = [
    "embedded",
    pytest.param("celery-rabbitmq", marks=[pytest.mark.postgres, pytest.mark.rabbitmq]),
    pytest.param("celery-redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
]
WAIT_SECONDS = 90  # a Celery worker in a loaded CI takes its time to start consuming


def _broker_url(mode: str) -> str:
    # The rabbitmq and redis marks (tests/conftest.py) fail the test under CI=true, or skip it, when
    # the broker does not answer.
    return RABBITMQ_URL if mode == "celery-rabbitmq" else os.environ["REDIS_URL"]


def _reset_connections(app) -> None:
    """Forget the broker connections made with the previous ``broker_url`` (kombu's pools are
    shared: closing one would close it for whoever has it next)."""
    app._pool = None
    app.amqp._producer_pool = None


class Way:
    """One way out of the outbox: ``deliver(handlers)`` runs until nothing is due and undelivered."""

    def __init__(self, mode: str, queue: str = "") -> None:
        self.mode, self.queue = mode, queue

    def deliver(self, handlers: dict[str, list[Callable]], *, until: Callable[[], bool] | None = None):
        """Deliver what is due, again while ``until`` (default: no event left but dead letters)
        says there is work, for at most WAIT_SECONDS."""
        done = until or _outbox_settled
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            if self.mode == "embedded":
                worker_run(handlers, once=True, jobs={})
            else:
                tasks._handlers = handlers
                relay_run(once=True)
            if done():
                return
            assert time.monotonic() < deadline, f"{self.mode}: the outbox did not settle in {WAIT_SECONDS} s"
            time.sleep(0.05)


def _outbox_settled() -> bool:
    """Every event delivered, but dead letters."""
    return not OutboxEvent.objects.filter(delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS).exists()


@pytest.fixture(scope="module", params=MODES)
def broker(request) -> Iterator[tuple[str, str, str]]:
    """(mode, broker URL, queue) with, for Celery, a real worker consuming a queue of its own; one per
    module and mode (a Celery worker takes seconds to stop)."""
    if request.param == "embedded":
        yield "embedded", "", ""
        return
    from celery.contrib.testing.worker import start_worker

    from galerie.core.celery_app import app

    url = _broker_url(request.param)
    queue = f"galerie-test-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf[key] for key in ("broker_url", "task_default_queue")}
    app.conf.update(broker_url=url, task_default_queue=queue)
    _reset_connections(app)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING",
                          queues=[queue], shutdown_timeout=30):  # fmt: skip
            yield request.param, url, queue
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        app.conf.update(saved)
        _reset_connections(app)


@pytest.fixture
def way(broker, settings) -> Iterator[Way]:
    mode, url, queue = broker
    settings.GALERIE_OUTBOX_BACKOFF_SECONDS = 0.2
    settings.GALERIE_OUTBOX_LEASE_SECONDS = 3
    settings.GALERIE_BROKER_URL = url
    yield Way(mode, queue)
    tasks._handlers = None


class Recorder:
    """A handler that remembers which events it saw (from any thread) and fails as told."""

    def __init__(self, fail_times: int = 0, fail_always: bool = False) -> None:
        self.seen: list[int] = []
        self.request_ids: list[str] = []
        self.fail_times, self.fail_always = fail_times, fail_always
        self._lock = threading.Lock()

    def __call__(self, event: OutboxEvent) -> None:
        with self._lock:
            self.seen.append(event.pk)
            self.request_ids.append(request_id_current())
            if self.fail_always or self.seen.count(event.pk) <= self.fail_times:
                raise RuntimeError(f"cannot handle #{event.pk} yet")


def test_every_event_goes_to_its_handler_once_lowest_id_first(way):
    events = [emit_event("t.a", n=n) for n in range(45)]
    other = emit_event("t.none")
    handler = Recorder()

    way.deliver({"t.a": [handler]})

    assert sorted(handler.seen) == [e.pk for e in events]
    assert len(set(handler.seen)) == len(handler.seen)
    assert handler.seen == sorted(handler.seen)  # one worker: in order
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    assert OutboxEvent.objects.get(pk=other.pk).delivered_at is not None  # no handler: delivered


def test_a_failing_handler_is_retried_after_its_back_off_and_the_event_behind_goes_meanwhile(way):
    failing, behind = emit_event("t.a"), emit_event("t.a")
    flaky = Recorder(fail_times=2)

    class FailFirst:
        def __call__(self, event):
            if event.pk == failing.pk:
                flaky(event)

    way.deliver({"t.a": [FailFirst()]})

    failing.refresh_from_db()
    assert failing.delivered_at is not None and failing.attempts == 2
    assert "cannot handle" in failing.last_error
    assert OutboxEvent.objects.get(pk=behind.pk).delivered_at is not None


def test_an_event_that_always_fails_becomes_a_dead_letter_and_is_left_alone(way, settings):
    settings.GALERIE_OUTBOX_BACKOFF_SECONDS = 0.001
    dead, fine = emit_event("t.a", poison=True), emit_event("t.a")
    always = Recorder(fail_always=True)

    def handler(event):
        if event.payload.get("poison"):
            always(event)

    way.deliver({"t.a": [handler]})

    dead.refresh_from_db()
    assert dead.delivered_at is None and dead.attempts == MAX_ATTEMPTS
    assert always.seen == [dead.pk] * MAX_ATTEMPTS
    assert OutboxEvent.objects.get(pk=fine.pk).delivered_at is not None
    way.deliver({"t.a": [handler]})
    assert len(always.seen) == MAX_ATTEMPTS  # a dead letter is never claimed again


def test_the_handlers_run_under_the_request_id_that_wrote_the_event(way):
    with request_id_bound("checkout-7f3a"):
        tagged = emit_event("t.a")
    untagged = emit_event("t.a")
    handler = Recorder()

    way.deliver({"t.a": [handler]})

    seen = dict(zip(handler.seen, handler.request_ids, strict=True))
    assert seen[tagged.pk] == "checkout-7f3a"
    assert seen[untagged.pk] not in {"", "checkout-7f3a"}  # written by no request: an id of its own
    assert OutboxEvent.objects.get(pk=tagged.pk).request_id == "checkout-7f3a"


def test_events_claimed_by_a_worker_that_died_are_delivered_once_their_lease_runs_out(way):
    events = [emit_event("t.a", n=n) for n in range(5)]
    # A worker (embedded) or the relay (Celery: its message then lost) took them, and died.
    assert len(outbox_claim(batch=100, lease=timedelta(seconds=1))) == 5
    handler = Recorder()

    way.deliver({"t.a": [handler]}, until=lambda: not OutboxEvent.objects.filter(delivered_at=None).exists())

    assert sorted(handler.seen) == [e.pk for e in events]


def test_an_email_is_sent_once_whatever_happens_to_the_event(way, smtp_inbox):
    event = emit_event("t.mail")
    email = Email(
        kind="test_notice",
        recipient="lea.martin@example.test",
        subject="Votre commande",
        text="Bonjour",
        html="<p>Bonjour</p>",
        from_email="Galerie <no-reply@galerie.test>",
        language="fr",
        reference="T-1",
    )

    def send(event):
        email_send_once(event_uuid=event.uuid, email=email)

    way.deliver({"t.mail": [send]})
    # Delivered again by mistake (a redelivered message, a second worker): no second e-mail.
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None, available_at=timezone.now())
    way.deliver({"t.mail": [send]})

    assert [m["To"] for m in smtp_inbox.messages] == ["lea.martin@example.test"]
    assert OutboxEvent.objects.get(pk=event.pk).delivered_at is not None


def test_a_message_delivered_twice_or_late_runs_each_event_once(settings):
    """The broker may hand the same message to two workers (acks late after a kill), and a message
    may arrive after its lease ran out and the relay published the events again: each event still
    runs once, by the message whose token (the lease's end) it carries."""
    from galerie.core.delivery import outbox_deliver_published

    settings.GALERIE_OUTBOX_LEASE_SECONDS = 60
    events = [emit_event("t.a", n=n) for n in range(3)]
    claimed = outbox_claim(batch=10)
    until = claimed[0].available_at
    handler = Recorder()

    first = outbox_deliver_published({"t.a": [handler]}, [e.pk for e in events], until=until)
    again = outbox_deliver_published({"t.a": [handler]}, [e.pk for e in events], until=until)

    assert (first.delivered, first.skipped) == (3, 0)
    assert (again.claimed, again.skipped) == (0, 3)
    assert sorted(handler.seen) == [e.pk for e in events]

    late = emit_event("t.a")
    stale = outbox_claim(batch=10)[0].available_at
    OutboxEvent.objects.filter(pk=late.pk).update(available_at=timezone.now())  # lease ran out
    fresh = outbox_claim(batch=10)[0].available_at
    assert outbox_deliver_published({"t.a": [handler]}, [late.pk], until=stale).skipped == 1
    assert outbox_deliver_published({"t.a": [handler]}, [late.pk], until=fresh).delivered == 1
    assert handler.seen.count(late.pk) == 1


def test_the_periodic_jobs_run(way, monkeypatch):
    runs: list[str] = []

    def job() -> int:
        runs.append(request_id_current())
        return 1

    monkeypatch.setitem(JOBS, "test.tick", Job(name="test.tick", run=job, every_seconds=60))
    if way.mode == "embedded":
        worker_run({}, once=True)
    else:
        from galerie.core.celery_app import app
        from galerie.core.tasks import JOB, beat_schedule

        schedule = beat_schedule()
        assert schedule[f"{JOB}:test.tick"]["schedule"] == 60
        assert {entry["args"][0] for entry in schedule.values()} == set(JOBS)
        assert app.amqp.router.route({}, JOB)["queue"].name == "galerie.jobs"  # beside the deliveries
        app.send_task(JOB, args=("test.tick",), queue=way.queue)
        deadline = time.monotonic() + WAIT_SECONDS
        while not runs and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(runs) == 1
    assert way.mode == "embedded" or runs[0]  # a Celery task runs under its task id


def test_beat_schedules_every_job_due_at_first_then_on_its_period(tmp_path, monkeypatch):
    from galerie.core.celery_app import JobsScheduler, app

    monkeypatch.setitem(JOBS, "test.tick", Job(name="test.tick", run=lambda: 0, every_seconds=60))
    scheduler = JobsScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=False)
    try:
        entries = {name: entry for name, entry in scheduler.schedule.items() if name.startswith("galerie.")}
        assert {entry.args[0] for entry in entries.values()} == set(JOBS)
        tick = entries["galerie.job:test.tick"]
        assert tick.is_due()[0]  # never run: due now
        assert not next(tick).is_due()[0]  # just run: due again in 60 s
    finally:
        scheduler.close()


def test_the_relay_gives_events_back_when_the_broker_cannot_be_reached(settings):
    from galerie.core.celery_app import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    url = f"amqp://guest:guest@127.0.0.1:{closed}//"
    settings.GALERIE_BROKER_URL = url
    keys = ("broker_url", "broker_connection_max_retries", "broker_connection_timeout")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=url, broker_connection_max_retries=0, broker_connection_timeout=1)
    _reset_connections(app)
    event = emit_event("t.a")
    try:
        with pytest.raises(Exception):  # noqa: B017 - kombu's own connection error
            relay_publish(batch=10)
    finally:
        app.conf.update(saved)
        _reset_connections(app)
    event.refresh_from_db()
    assert event.delivered_at is None and event.available_at <= timezone.now()  # due again at once
