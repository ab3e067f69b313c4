"""Outbox handlers of invoices (collected by ``core.delivery.handlers_autodiscover``).

The documents are rendered here, by the worker, never in a request. Both handlers are
idempotent: a redelivered event finds its document issued (one per seller order, one per refund).
"""

from __future__ import annotations

from galerie.core.models import OutboxEvent
from galerie.invoices.services import credit_note_issue, invoice_issue


def seller_order_placed(event: OutboxEvent) -> None:
    """Issue the invoice of a seller order placed (and paid) at checkout."""
    invoice_issue(seller_order_id=event.payload["seller_order_id"])


def refund_succeeded(event: OutboxEvent) -> None:
    """Issue the credit note of a refund of a seller order (refusal, cancellation, return, incident)."""
    credit_note_issue(refund_id=event.payload["refund_id"])


HANDLERS = {
    "seller_order.placed": [seller_order_placed],
    "refund.succeeded": [refund_succeeded],
}
