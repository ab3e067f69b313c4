"""Outbox handlers of withdrawals and returns: the e-mails (each once per event)."""

from __future__ import annotations

from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notifications.selectors import seller_order_recipients
from galerie.notifications.services import email_send_once
from galerie.returns import emails
from galerie.returns.models import Return


def _load(return_id: int) -> Return:
    return Return.objects.select_related(
        "seller_order__order__storefront", "seller_order__order__customer", "seller_order__seller"
    ).get(pk=return_id)


def return_declared(event: OutboxEvent) -> None:
    """Acknowledge the statement to the customer at once (with the form) and tell the seller."""
    ret = _load(event.payload["return_id"])
    email_send_once(event_uuid=event.uuid, email=emails.return_declared_customer_email(ret=ret))
    recipients = seller_order_recipients(seller=ret.seller_order.seller)
    for email in emails.return_declared_seller_emails(ret=ret, recipients=recipients):
        email_send_once(event_uuid=event.uuid, email=email)


def return_status_changed(event: OutboxEvent) -> None:
    """E-mail the customer the seller's return instructions or its refusal."""
    if event.payload.get("to_status") not in (Return.Status.INSTRUCTED, Return.Status.REFUSED):
        return
    ret = _load(event.payload["id"])
    email_send_once(
        event_uuid=event.uuid,
        email=emails.return_update_customer_email(ret=ret, status=event.payload["to_status"]),
    )


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "return.declared": [return_declared],
    "return.status_changed": [return_status_changed],
}
