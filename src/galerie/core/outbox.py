"""Write events to the outbox inside the caller's transaction.

No Django signals: a service calls :func:`emit` next to the change it reports, so the
event exists if and only if the change was committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from galerie.core.models import OutboxEvent
from galerie.core.requestid import request_id_current
from galerie.core.surrogates import bump_on_commit, keys_of


def emit(topic: str, /, **payload: Any) -> OutboxEvent:
    """Append an event to the outbox; refuse to run outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"emit({topic!r}) must run inside the transaction of the change it reports")
    event = OutboxEvent.objects.create(topic=topic, payload=payload, request_id=request_id_current())
    # Cached pages showing what the event names go stale when it commits (core/surrogates.py).
    bump_on_commit(keys_of(payload))
    return event


def emit_many(events: Iterable[tuple[str, dict[str, Any]]], /) -> list[OutboxEvent]:
    """Append several events (``(topic, payload)``, in this order) in one INSERT; like ``emit``,
    refuse to run outside a transaction, and make the cached pages of what they name stale."""
    request_id = request_id_current()
    batch = [OutboxEvent(topic=topic, payload=payload, request_id=request_id) for topic, payload in events]
    if not transaction.get_connection().in_atomic_block:
        topics = ", ".join(event.topic for event in batch)
        raise RuntimeError(f"emit_many({topics}) must run inside the transaction of the change it reports")
    if not batch:
        return []
    bump_on_commit(set().union(*(keys_of(event.payload) for event in batch)))
    return OutboxEvent.objects.bulk_create(batch)
