"""Shared by the webhook tests: the documented signature check, and a queued delivery."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.db import transaction

from galerie.core.outbox import emit
from galerie.webhooks.models import WebhookEndpoint
from galerie.webhooks.services import Outgoing, webhook_deliveries_enqueue

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_check():
    """Return ``galerie_signature_ok`` as docs/webhooks.md prints it (the snippet, run as is)."""
    text = DOC.read_text()
    snippet = re.search(r"<!-- verify-snippet -->\n```python\n(.*?)```", text, re.S)[1]
    namespace: dict = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)  # the reader's copy, not ours
    return namespace["galerie_signature_ok"]


def queue_one(endpoint: WebhookEndpoint, *, event_type: str = "offer.created", data: dict | None = None):
    """Queue one event for ``endpoint`` (as a handler would); return the outbox event."""
    with transaction.atomic():
        event = emit("test.event", marker=str(uuid.uuid4()))
    event.refresh_from_db()
    owner = [endpoint.seller_id] if endpoint.seller_id else []
    webhook_deliveries_enqueue(
        event=event,
        outgoing=[Outgoing(event_type, data or {"n": 1}, seller_ids=owner, operator=not owner)],
    )
    return event
