"""The delivery loop of ``galerie worker``: outbox events to their handlers, and periodic jobs.

Delivery is at least once. A worker claims a batch of due events in one short transaction
(``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise
the claims) and pushes their ``available_at`` forward by a lease (``GALERIE_OUTBOX_LEASE_SECONDS``),
so other workers leave them alone while it runs the handlers outside any transaction; a thread
renews the lease of the events not done yet every third of it, so a slow handler keeps its batch
and a killed worker's batch is free again within one lease. An event is marked delivered once
all its handlers returned; a handler that raises counts an attempt, records the error and
puts the event back after an exponential back-off; after ``MAX_ATTEMPTS`` the event stays
undelivered for good (a dead letter, visible in the admin). A worker that dies mid-batch
loses nothing: its lease runs out and another worker takes the events again (the event in hand,
and the rest of its batch). Handlers
therefore must be idempotent (key: ``event.uuid``).

This module imports no domain app: the caller passes the handlers (topic -> functions), which
:func:`handlers_autodiscover` collects by name from each app's ``handlers`` module.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from galerie.core.actors import Actor
from galerie.core.crashpoints import crash_point
from galerie.core.errors import InvalidTransition
from galerie.core.jobs import JOBS, RECONCILERS, Job, Reconciler, reconciler
from galerie.core.locking import lock_row
from galerie.core.models import OutboxEvent
from galerie.core.requestid import request_id_bound

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
Handlers = Mapping[str, Sequence[Handler]]

MAX_ATTEMPTS = 12  # 30 s, 1 min, 2 min … 6 h: about 15 hours of retries in all
BACKOFF_FIRST = timedelta(seconds=30)  # default of GALERIE_OUTBOX_BACKOFF_SECONDS
BACKOFF_MAX = timedelta(hours=6)
LEASE = timedelta(seconds=60)  # default of GALERIE_OUTBOX_LEASE_SECONDS
ERROR_MAX_CHARS = 4000
DB_RETRY_SECONDS = 5


def _seconds_setting(name: str, default: timedelta) -> timedelta:
    value = getattr(settings, name, None)
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds > 0:
        raise ImproperlyConfigured(f"{name} must be a number of seconds above 0, not {value!r}")
    return timedelta(seconds=seconds)


def outbox_lease() -> timedelta:
    """Return how long a claimed batch is its worker's: ``GALERIE_OUTBOX_LEASE_SECONDS`` (60 s)."""
    return _seconds_setting("GALERIE_OUTBOX_LEASE_SECONDS", LEASE)


def outbox_backoff(attempts: int) -> timedelta:
    """Return how long an event waits after its ``attempts``-th failure: ``GALERIE_OUTBOX_BACKOFF_SECONDS``
    (30 s), doubling, at most 6 h."""
    first = _seconds_setting("GALERIE_OUTBOX_BACKOFF_SECONDS", BACKOFF_FIRST)
    return min(first * (1 << min(max(attempts - 1, 0), 30)), BACKOFF_MAX)


@dataclass
class BatchResult:
    claimed: int = 0
    delivered: int = 0
    unhandled: int = 0  # delivered without any handler for their topic
    failed: int = 0
    dead: int = 0
    released: int = 0  # given back unprocessed because the worker is stopping
    skipped: int = 0  # published events another task had taken, or delivered already


def outbox_claim(*, batch: int, lease: timedelta | None = None) -> list[OutboxEvent]:
    """Take up to ``batch`` due events, lowest id first, and lease them to this worker.

    One short transaction: rows another worker holds are skipped (PostgreSQL) or the whole
    claim waits for the other's to commit (SQLite, IMMEDIATE mode). Each returned event's
    ``available_at`` is the lease's end, as written (what :class:`LeaseKeeper` renews).
    """
    now = timezone.now()
    lease = lease or outbox_lease()
    with transaction.atomic():
        due = OutboxEvent.objects.filter(
            delivered_at__isnull=True, available_at__lte=now, attempts__lt=MAX_ATTEMPTS
        ).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        events = list(due[:batch])
        if events:
            OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(available_at=now + lease)
            for event in events:
                event.available_at = now + lease
    return events


def outbox_claim_published(pks: Sequence[int], *, until: datetime) -> list[OutboxEvent]:
    """Take the events ``pks`` a relay published with the lease ending at ``until``, and lease them
    to this worker (a Celery task, core/tasks.py); return those it took, lowest id first.

    ``until`` is the message's token: an event whose ``available_at`` moved since (taken by a task
    that got the same message before, whose worker then died; or published again after its lease
    ran out) is not this message's any more and is left alone, as is one delivered meanwhile. So
    the broker may hand a message to several workers (acks late, redeliveries) and each event still
    runs in one task at a time; a task killed half-way leaves its events to run out their lease,
    after which the relay publishes them again.
    """
    now = timezone.now()
    lease = outbox_lease()
    with transaction.atomic():
        mine = OutboxEvent.objects.filter(
            pk__in=list(pks), delivered_at__isnull=True, available_at=until, attempts__lt=MAX_ATTEMPTS
        ).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            mine = mine.select_for_update(skip_locked=True)
        events = list(mine)
        if events:
            OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(available_at=now + lease)
            for event in events:
                event.available_at = now + lease
    return events


def outbox_deliver_published(handlers: Handlers, pks: Sequence[int], *, until: datetime) -> BatchResult:
    """Deliver the events of one published message (see :func:`outbox_claim_published`) as
    :func:`outbox_deliver_batch` delivers a claimed batch: same handlers, same retries and dead letters."""
    events = outbox_claim_published(pks, until=until)
    with LeaseKeeper(events, outbox_lease()):
        result = _deliver_claimed(events, handlers, None)
    result.skipped = len(pks) - len(events)
    return result


class LeaseKeeper:
    """Renews the lease of a claimed batch, every third of it, while the worker runs its handlers.

    A thread with its own connection (opened only if the batch outlives a third of the lease):
    ``UPDATE … SET available_at = now + lease WHERE id IN (batch) AND delivered_at IS NULL AND
    available_at = <the end it set last>``. The last condition makes it a compare-and-set: an
    event delivered, failed (its back-off) or given back is left alone, and so is one another
    worker took after this one stalled past its lease. A killed worker's thread dies with it, so
    its events are due again within one lease.
    """

    def __init__(self, events: Sequence[OutboxEvent], lease: timedelta) -> None:
        self.pks = [event.pk for event in events]
        self.lease = lease
        self.until = max((event.available_at for event in events), default=timezone.now())
        self.renewals = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        if self.pks:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        connected = False
        try:
            while not self._done.wait(self.lease.total_seconds() / 3):
                connected = True
                until = timezone.now() + self.lease
                OutboxEvent.objects.filter(
                    pk__in=self.pks, delivered_at__isnull=True, available_at=self.until
                ).update(available_at=until)
                self.until = until
                self.renewals += 1
        except DatabaseError:
            # The events are not lost: the lease runs out and they are delivered again.
            logger.exception("could not renew the lease of outbox events %s…", self.pks[:5])
        finally:
            if connected:
                connection.close()  # this thread's own connection


def _handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


def batched(handler: Callable[[list[OutboxEvent]], None]) -> Handler:
    """Mark a handler that takes a list of events: the worker passes it every event of its
    topics it claimed at once, so that it can do its work once for all of them (the search
    index rebuilds a product once for the thousand offer events of a bulk import)."""
    # A batched handler registers among the one-event handlers (same Handler type); the mark on
    # the function, which its type does not declare, is what tells the worker it takes a list.
    handler.batched = True  # type: ignore[attr-defined]
    return handler  # type: ignore[return-value]


def _is_batched(handler: Handler) -> bool:
    return getattr(handler, "batched", False)


def _deliver_one(event: OutboxEvent, handlers: Sequence[Handler], result: BatchResult) -> None:
    # The handlers log, and emit their own events, under the id of the request that wrote it.
    with request_id_bound(event.request_id):
        for handler in handlers:
            try:
                # A batched handler (see batched()) takes a list despite its Handler type.
                handler([event]) if _is_batched(handler) else handler(event)  # type: ignore[arg-type]
            except Exception as error:
                _record_failure(event, handler, error, result)
                return
    crash_point("core.outbox_handled")
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=timezone.now())
    result.delivered += 1


def _record_failure(event: OutboxEvent, handler: Handler, error: Exception, result: BatchResult) -> None:
    attempts = event.attempts + 1
    text = f"{_handler_name(handler)} raised:\n{traceback.format_exc()}"
    if len(text) > ERROR_MAX_CHARS:
        text = text[:200] + "\n…\n" + text[-(ERROR_MAX_CHARS - 200) :]
    delay = outbox_backoff(attempts)
    OutboxEvent.objects.filter(pk=event.pk).update(
        attempts=attempts, last_error=text, available_at=timezone.now() + delay
    )
    result.failed += 1
    if attempts >= MAX_ATTEMPTS:
        result.dead += 1
        logger.error(
            "DEAD LETTER: outbox event %s #%s failed %d times and will not be retried; last error from %s:"
            " %s: %s (see the admin, Core › Outbox events; reset its attempts to retry it)",
            event.topic,
            event.pk,
            attempts,
            _handler_name(handler),
            type(error).__name__,
            error,
            exc_info=error,
        )
    else:
        logger.warning(
            "outbox event %s #%s failed (attempt %d of %d), retry in %ds: %s: %s",
            event.topic,
            event.pk,
            attempts,
            MAX_ATTEMPTS,
            delay.total_seconds(),
            type(error).__name__,
            error,
        )


def outbox_deliver_batch(
    handlers: Handlers, *, batch: int, stop: threading.Event | None = None
) -> BatchResult:
    """Claim a batch of due events and run each one's handlers, lowest id first.

    Events without a handler are marked delivered at once; those whose handlers are all
    ``batched`` go to them in one call per handler, before the others. When ``stop`` is set the events
    not yet started are given back (due again now) and the batch ends early.
    """
    lease = outbox_lease()
    events = outbox_claim(batch=batch, lease=lease)
    with LeaseKeeper(events, lease):
        return _deliver_claimed(events, handlers, stop)


def _deliver_claimed(
    events: list[OutboxEvent], handlers: Handlers, stop: threading.Event | None
) -> BatchResult:
    result = BatchResult()
    result.claimed = len(events)
    unhandled = [e.pk for e in events if not handlers.get(e.topic)]
    if unhandled:
        OutboxEvent.objects.filter(pk__in=unhandled).update(delivered_at=timezone.now())
        result.unhandled = result.delivered = len(unhandled)
    pending = [e for e in events if handlers.get(e.topic)]
    # Events whose handlers are all batched go to them together, one call per handler.
    together: dict[Handler, list[OutboxEvent]] = {}
    grouped: list[OutboxEvent] = []
    for event in pending:
        if all(_is_batched(handler) for handler in handlers[event.topic]):
            grouped.append(event)
            for handler in handlers[event.topic]:
                together.setdefault(handler, []).append(event)
    ran: dict[int, int] = {}  # event pk -> how many of its handlers ran
    failed: set[int] = set()
    for handler, group in together.items():
        if stop is not None and stop.is_set():
            break  # events not run by all their handlers are given back with the rest below
        try:
            handler(group)  # type: ignore[arg-type]  # a batched handler: see batched()
        except Exception as error:
            for event in group:
                if event.pk not in failed:
                    failed.add(event.pk)
                    _record_failure(event, handler, error, result)
        for event in group:
            ran[event.pk] = ran.get(event.pk, 0) + 1
    done = {e.pk for e in grouped if ran.get(e.pk) == len(handlers[e.topic])}
    delivered = [pk for pk in done if pk not in failed]
    if delivered:
        OutboxEvent.objects.filter(pk__in=delivered).update(delivered_at=timezone.now())
        result.delivered += len(delivered)
    pending = [e for e in pending if e.pk not in done]
    for position, event in enumerate(pending):
        if stop is not None and stop.is_set():
            rest = [e.pk for e in pending[position:]]
            OutboxEvent.objects.filter(pk__in=rest, delivered_at__isnull=True).update(
                available_at=timezone.now()
            )
            result.released = len(rest)
            break
        _deliver_one(event, handlers[event.topic], result)
    return result


def outbox_event_retry(*, event_id: int, by: Actor | None = None) -> OutboxEvent:
    """Make an undelivered event (a dead letter) due now with its attempts reset; raise if delivered."""
    with transaction.atomic():
        event = lock_row(OutboxEvent.objects.all(), event_id)
        if event.delivered_at is not None:
            raise InvalidTransition("This event was delivered already; there is nothing to retry.")
        event.attempts, event.available_at = 0, timezone.now()
        event.save(update_fields=["attempts", "available_at"])
    logger.warning("outbox event %s #%s: retry asked by %s", event.topic, event.pk, by or "a script")
    return event


@reconciler(
    "core.outbox_due",
    description="outbox events leased by a worker that died, or backing off: due now (with --all-due only)",
)
def outbox_make_due(all_due: bool) -> int:
    """Make every undelivered, not dead event due now; return how many. Only with ``all_due``: a
    dead worker's lease runs out by itself (LEASE), and a live worker's events would run twice."""
    if not all_due:
        return 0
    now = timezone.now()
    return OutboxEvent.objects.filter(
        delivered_at__isnull=True, available_at__gt=now, attempts__lt=MAX_ATTEMPTS
    ).update(available_at=now)


# --- handlers ----------------------------------------------------------------------------


def handlers_autodiscover() -> dict[str, list[Handler]]:
    """Collect the ``HANDLERS`` (topic -> functions) of ``<app>.handlers`` of every installed
    ``galerie.*`` app that has one, in the order the apps are installed; return topic -> functions.

    Each app lists the topics it consumes in its own ``handlers`` module, whoever emits them: the
    ledger posts on ``order.placed``, notifications e-mails on it, search indexes on offer events.
    """
    handlers: dict[str, list[Handler]] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.handlers"
        if config.name.startswith("galerie.") and importlib.util.find_spec(name):
            for topic, functions in importlib.import_module(name).HANDLERS.items():
                handlers.setdefault(topic, []).extend(f for f in functions if f not in handlers[topic])
    return handlers


# --- periodic jobs -----------------------------------------------------------------------


def jobs_autodiscover() -> dict[str, Job]:
    """Import ``<app>.jobs`` of every installed ``galerie.*`` app that has one; return the jobs."""
    for config in apps.get_app_configs():
        if config.name.startswith("galerie.") and importlib.util.find_spec(f"{config.name}.jobs"):
            importlib.import_module(f"{config.name}.jobs")
    return dict(JOBS)


def reconcilers_autodiscover() -> dict[str, Reconciler]:
    """Import ``<app>.jobs`` of every installed ``galerie.*`` app; return the reconcilers, the
    outbox's first, then in the order the apps are installed."""
    jobs_autodiscover()
    return dict(RECONCILERS)


@dataclass
class JobScheduler:
    """Runs each job when ``every_seconds`` have passed since its last run (all are due at first)."""

    jobs: Mapping[str, Job]
    clock: Callable[[], float] = time.monotonic
    next_at: dict[str, float] = field(default_factory=dict)
    runs: int = 0
    errors: int = 0

    def run_due(self, *, everything: bool = False, stop: threading.Event | None = None) -> int:
        """Run the jobs that are due (all of them with ``everything``); return how many ran."""
        ran = 0
        for job in self.jobs.values():
            if stop is not None and stop.is_set():
                break
            if everything or self.clock() >= self.next_at.get(job.name, 0.0):
                self._run(job)
                self.next_at[job.name] = self.clock() + job.every_seconds
                ran += 1
        return ran

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        self.runs += 1
        try:
            done = job.run()
        except Exception:
            self.errors += 1
            logger.exception("job %s failed; it runs again in %ss", job.name, job.every_seconds)
            return
        if done:
            logger.info("job %s: %s done in %.0f ms", job.name, done, (time.monotonic() - started) * 1000)


# --- the loop ----------------------------------------------------------------------------


@dataclass
class WorkerSummary:
    batches: int = 0
    delivered: int = 0
    unhandled: int = 0
    failed: int = 0
    dead: int = 0
    jobs_run: int = 0
    job_errors: int = 0
    seconds: float = 0.0

    def add(self, result: BatchResult) -> None:
        self.batches += 1
        self.delivered += result.delivered
        self.unhandled += result.unhandled
        self.failed += result.failed
        self.dead += result.dead

    def __str__(self) -> str:
        return (
            f"{self.delivered} events delivered ({self.unhandled} without handler),"
            f" {self.failed} failed attempts, {self.dead} dead letters; {self.jobs_run} job runs"
            f" ({self.job_errors} failed); {self.batches} batches in {self.seconds:.1f} s"
        )


def _fresh_connection() -> None:
    # A long-running process must drop a connection the server closed or that outlived
    # CONN_MAX_AGE, as Django does between requests; never inside a transaction (tests).
    if not connection.in_atomic_block:
        close_old_connections()


def _log_batch(result: BatchResult, started: float) -> None:
    logger.info(
        "outbox batch: %d claimed, %d delivered (%d without handler), %d failed, %d dead, %d released"
        " in %.0f ms",
        result.claimed,
        result.delivered,
        result.unhandled,
        result.failed,
        result.dead,
        result.released,
        (time.monotonic() - started) * 1000,
    )


def worker_run(
    handlers: Handlers,
    *,
    once: bool = False,
    batch: int = 100,
    sleep: float = 1.0,
    stop: threading.Event | None = None,
    jobs: Mapping[str, Job] | None = None,
) -> WorkerSummary:
    """Deliver due outbox events and run due jobs until ``stop`` is set; return what was done.

    ``once``: deliver until nothing is due, run every job once, deliver what the jobs emitted,
    then return. Otherwise wait ``sleep`` seconds whenever a batch was not full.
    """
    stop = stop or threading.Event()
    scheduler = JobScheduler(jobs if jobs is not None else jobs_autodiscover())
    summary = WorkerSummary()
    logger.info(
        "worker started: %d topics, %d jobs, batches of %d, lease %ss",
        len(handlers),
        len(scheduler.jobs),
        batch,
        outbox_lease().total_seconds(),
    )
    started = time.monotonic()
    jobs_done = False
    while not stop.is_set():
        _fresh_connection()
        batch_started = time.monotonic()
        try:
            result = outbox_deliver_batch(handlers, batch=batch, stop=stop)
        except DatabaseError:
            if once:
                raise
            # The database went away (restart, failover): keep the process, try again.
            logger.exception("the worker cannot reach the database; trying again in %ss", DB_RETRY_SECONDS)
            stop.wait(DB_RETRY_SECONDS)
            continue
        if result.claimed:
            summary.add(result)
            _log_batch(result, batch_started)
        if once:
            if result.claimed:
                continue
            if jobs_done:
                break
            scheduler.run_due(everything=True, stop=stop)
            jobs_done = True
            continue
        scheduler.run_due(stop=stop)
        if result.claimed < batch:
            stop.wait(sleep)
    summary.jobs_run, summary.job_errors = scheduler.runs, scheduler.errors
    summary.seconds = time.monotonic() - started
    return summary
