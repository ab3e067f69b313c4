"""The recall's outbox handler: e-mail each buyer its notice, once."""

from __future__ import annotations

from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notifications.services import email_send_once
from galerie.recalls.emails import recall_notice_email
from galerie.recalls.selectors import recall_notices_pending
from galerie.recalls.services import recall_notice_mark_sent


def product_recalled(event: OutboxEvent) -> None:
    """E-mail the recall notice to each buyer still waiting for it, lowest id first.

    Twice-delivered events send nothing twice: a notice sent is marked, and the e-mail itself is
    keyed by (event, recipient, kind) in ``email_send_once``. An SMTP failure raises: the event
    is retried, the notices already sent stay sent.
    """
    for notice in recall_notices_pending(recall_id=event.payload["recall_id"]):
        email_send_once(event_uuid=event.uuid, email=recall_notice_email(notice=notice))
        recall_notice_mark_sent(notice_id=notice.pk)


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {"product.recalled": [product_recalled]}
