"""Outbox handlers of the checkout (collected by ``core.delivery.handlers_autodiscover``)."""

from __future__ import annotations

from galerie.checkout.services import checkout_capture
from galerie.core.models import OutboxEvent


def order_placed(event: OutboxEvent) -> None:
    """Capture the order's authorized payment, out of the customer's request (docs/checkout.md)."""
    checkout_capture(order_id=event.payload["order_id"])


HANDLERS = {
    "order.placed": [order_placed],
}
