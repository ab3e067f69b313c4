"""The relay: committed outbox events to Celery (``galerie worker`` when a broker is set).

The outbox stays the source of truth (docs/celery.md). The relay claims due events as the embedded
worker does (same query, same lease) and, instead of running their handlers, publishes them to the
``galerie`` queue, ``GALERIE_RELAY_CHUNK`` events a message, each message carrying the end of the
lease it set as a token. A Celery worker takes the events whose lease still ends there
(:func:`galerie.core.delivery.outbox_claim_published`) and delivers them. Nothing is lost when a
message is (broker restarted, worker killed before or after taking it): its events' lease runs
out and the relay publishes them again. Events published and then stale (their lease ran out while
the queue was long) are skipped by the stale message's task.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from galerie.core.delivery import _fresh_connection, outbox_claim, outbox_lease
from galerie.core.models import OutboxEvent

logger = logging.getLogger("galerie.core.delivery")

DB_RETRY_SECONDS = 5


def delivery_by_celery() -> bool:
    """Whether a broker is configured: Celery workers deliver, ``galerie worker`` relays."""
    return bool(settings.GALERIE_BROKER_URL)


@dataclass
class RelaySummary:
    published: int = 0
    messages: int = 0
    failures: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.published} events published in {self.messages} messages,"
            f" {self.failures} failed publications; {self.seconds:.1f} s"
        )


def relay_publish(*, batch: int = 500, chunk: int | None = None) -> tuple[int, int]:
    """Claim up to ``batch`` due events and publish them; return (events, messages).

    If the broker cannot be reached, the events are given back (due now) and the error raised.
    """
    from galerie.core.celery_app import app
    from galerie.core.tasks import DELIVER

    chunk = chunk or settings.GALERIE_RELAY_CHUNK
    events = outbox_claim(batch=batch, lease=outbox_lease())
    if not events:
        return 0, 0
    until = events[0].available_at  # the same for the whole claim
    messages, queue = 0, app.conf.task_default_queue
    try:
        with app.producer_or_acquire() as producer:
            for start in range(0, len(events), chunk):
                pks = [event.pk for event in events[start : start + chunk]]
                app.send_task(DELIVER, args=(pks, until.isoformat()), producer=producer, queue=queue)
                messages += 1
    except Exception:
        unsent = [event.pk for event in events[messages * chunk :]]
        OutboxEvent.objects.filter(pk__in=unsent, delivered_at__isnull=True, available_at=until).update(
            available_at=timezone.now()
        )
        raise
    return len(events), messages


def relay_run(
    *, once: bool = False, batch: int = 500, sleep: float = 0.2, stop: threading.Event | None = None
) -> RelaySummary:
    """Publish due events until ``stop`` is set (``once``: until none is due); return what was done."""
    stop = stop or threading.Event()
    summary = RelaySummary()
    logger.info(
        "relay started: batches of %d, %d events a message, lease %ss, broker %s",
        batch,
        settings.GALERIE_RELAY_CHUNK,
        outbox_lease().total_seconds(),
        _broker_shown(),
    )
    started = time.monotonic()
    while not stop.is_set():
        _fresh_connection()
        try:
            published, messages = relay_publish(batch=batch)
        except DatabaseError:
            if once:
                raise
            logger.exception("the relay cannot reach the database; trying again in %ss", DB_RETRY_SECONDS)
            stop.wait(DB_RETRY_SECONDS)
            continue
        except Exception:
            summary.failures += 1
            if once:
                raise
            logger.exception("the relay cannot publish to the broker; trying again in %ss", DB_RETRY_SECONDS)
            stop.wait(DB_RETRY_SECONDS)
            continue
        summary.published += published
        summary.messages += messages
        if published:
            logger.info("relay: %d events published in %d messages", published, messages)
        if published < batch:
            if once:
                break
            stop.wait(sleep)
    summary.seconds = time.monotonic() - started
    return summary


def _broker_shown() -> str:
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(settings.GALERIE_BROKER_URL))
