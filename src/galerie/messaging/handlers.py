"""The worker's handlers for messages: e-mail a party that a message waits for it. Collected by
``core.delivery.handlers_autodiscover``."""

from __future__ import annotations

from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.messaging.emails import message_posted_emails
from galerie.notifications.selectors import seller_order_for_email
from galerie.notifications.services import email_send_once


def message_posted(event: OutboxEvent) -> None:
    """E-mail each party the post made its first unread message (``notify``): the link to the
    thread, in the recipient's language; once per recipient and event."""
    parties = event.payload.get("notify") or []
    if not parties:
        return
    seller_order = seller_order_for_email(seller_order_id=event.payload["seller_order_id"])
    for party in parties:
        for email in message_posted_emails(
            seller_order=seller_order, author_party=event.payload["party"], to=party
        ):
            email_send_once(event_uuid=event.uuid, email=email)


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "message.posted": [message_posted],
}
