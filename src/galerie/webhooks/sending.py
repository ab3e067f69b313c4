"""Sending due deliveries: the periodic job's work (docs/webhooks.md).

A sender claims due deliveries of active endpoints in one short transaction (``SELECT … FOR
UPDATE SKIP LOCKED`` on PostgreSQL) and moves each one's ``next_attempt_at`` forward by a lease:
that new time is the sender's token. Before each POST it renews the lease only if the token is
still its own, and it records the outcome only under the same condition and while the delivery
is pending. So two senders never send one delivery at once, a lease that ran out is not
recorded twice, and a delivered delivery is never sent again (only a person's redelivery makes
it pending). No transaction is open during the POST.

A 2xx answer delivers. Anything else (another status, a timeout, a refused address) is retried
after 1 min, 2, 4, … at most 6 h apart, until three days after the first try: the try at that
moment is the last, and the delivery is then dead (the dead-letter list).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from galerie.core.errors import InvalidInput
from galerie.webhooks import transport
from galerie.webhooks.models import WebhookAttempt, WebhookDelivery
from galerie.webhooks.signing import signature_header
from galerie.webhooks.targets import webhook_url_check

logger = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=3)
LEASE = timedelta(minutes=5)  # longer than one POST can take (connect + answer: 2 × 10 s)
BATCH = 20
USER_AGENT = "Galerie-Webhooks/1"
Status = WebhookDelivery.Status


def webhook_backoff(attempts: int) -> timedelta:
    """Return the wait after the ``attempts``-th failed try: 1 min, doubling, at most 6 h."""
    return min(BACKOFF_FIRST * (1 << min(max(attempts - 1, 0), 20)), BACKOFF_MAX)


def next_attempt_after_failure(
    *, first_attempt_at: datetime, attempts: int, now: datetime
) -> datetime | None:
    """Return when to try again after the ``attempts``-th failure at ``now``, or None when the
    three days since the first try are over (dead). The last try falls on the third day's end."""
    give_up_at = first_attempt_at + GIVE_UP_AFTER
    if now >= give_up_at:
        return None
    return min(now + webhook_backoff(attempts), give_up_at)


@dataclass
class SendResult:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0  # taken meanwhile by another sender (its lease had run out)
    released: int = 0  # claimed, then given back unsent: the time budget was spent


def _claim(*, now: datetime, batch: int) -> list[WebhookDelivery]:
    lease_until = now + LEASE
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now, endpoint__active=True
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        claimed = []
        for delivery in due.select_related("endpoint")[:batch]:
            # A conditional update: on SQLite, where nothing is locked, a sender that read the
            # same rows finds the token changed and leaves them.
            taken = WebhookDelivery.objects.filter(
                pk=delivery.pk, status=Status.PENDING, next_attempt_at=delivery.next_attempt_at
            ).update(next_attempt_at=lease_until)
            if taken:
                delivery.next_attempt_at = lease_until
                claimed.append(delivery)
    return claimed


def _renew(delivery: WebhookDelivery, now: datetime) -> bool:
    token, renewed = delivery.next_attempt_at, now + LEASE
    kept = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Status.PENDING, next_attempt_at=token
    ).update(next_attempt_at=renewed)
    delivery.next_attempt_at = renewed
    return bool(kept)


def _send(delivery: WebhookDelivery, now: datetime) -> transport.Answer:
    try:
        target = webhook_url_check(delivery.endpoint.url)  # again: the name may lead elsewhere now
    except InvalidInput as error:
        return transport.Answer(None, f"refused: {' '.join(error.errors.get('url', [error.message]))}"[:300])
    body = delivery.body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Galerie-Event-Id": str(delivery.event_uuid),
        "Galerie-Event-Type": delivery.event_type,
        "Galerie-Delivery-Id": str(delivery.pk),
        "Galerie-Signature": signature_header(
            secret=delivery.endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    return transport.post(target, body=body, headers=headers)


def _record(delivery: WebhookDelivery, answer: transport.Answer, *, at: datetime, duration_ms: int) -> str:
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    error = answer.error or ("" if ok else f"HTTP {answer.status_code}")
    attempts = delivery.attempts + 1
    first = delivery.first_attempt_at or at
    fields: dict[str, object] = {
        "attempts": F("attempts") + 1,
        "first_attempt_at": first,
        "last_status_code": answer.status_code,
        "last_error": error[:300],
    }
    if ok:
        outcome = Status.DELIVERED
        fields.update(status=Status.DELIVERED, delivered_at=at)
    else:
        retry_at = next_attempt_after_failure(first_attempt_at=first, attempts=attempts, now=at)
        outcome = Status.PENDING if retry_at else Status.DEAD
        fields.update(status=outcome, next_attempt_at=retry_at or at)
    with transaction.atomic():
        kept = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.PENDING, next_attempt_at=delivery.next_attempt_at
        ).update(**fields)
        if not kept:
            return "skipped"
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            at=at,
            status_code=answer.status_code,
            error=error[:300],
            duration_ms=duration_ms,
        )
    if outcome == Status.DEAD:
        logger.warning(
            "webhook delivery %s (%s to endpoint %s) failed for good after %d tries: %s",
            delivery.pk,
            delivery.event_type,
            delivery.endpoint_id,
            attempts,
            error,
        )
    return outcome


def _release(deliveries: list[WebhookDelivery], *, at: datetime) -> int:
    """Give back claimed deliveries not sent: due again at ``at``, if still this sender's."""
    released = 0
    for delivery in deliveries:
        released += WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.PENDING, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=at)
    return released


def webhooks_send_due(
    *, now: datetime | None = None, batch: int = BATCH, budget_seconds: float | None = None
) -> SendResult:
    """Claim up to ``batch`` due deliveries and POST each one; return what happened.

    ``now`` is the clock of the claim and of the schedule (tests drive it); the signature's
    time and the attempt's time are ``now`` too. Past ``budget_seconds`` the deliveries not
    started are given back, due at once (slow receivers do not hold the worker)."""
    result = SendResult()
    start = now or timezone.now()
    started_at = time.monotonic()
    claimed = _claim(now=start, batch=batch)
    result.claimed = len(claimed)
    for position, delivery in enumerate(claimed):
        if budget_seconds is not None and time.monotonic() - started_at > budget_seconds:
            result.released = _release(claimed[position:], at=start)
            break
        at = now or timezone.now()
        if not _renew(delivery, at):
            result.skipped += 1
            continue
        started = time.monotonic()
        answer = _send(delivery, at)
        duration_ms = int((time.monotonic() - started) * 1000)
        outcome = _record(delivery, answer, at=at, duration_ms=duration_ms)
        if outcome == Status.DELIVERED:
            result.delivered += 1
        elif outcome == "skipped":
            result.skipped += 1
        else:
            result.failed += 1
            result.dead += outcome == Status.DEAD
    return result
