"""Outbox handlers of the ledger (collected by ``core.delivery.handlers_autodiscover``).

Each passes the event's uuid on to the posting, whose idempotency key belongs to the business
fact: a redelivered event posts nothing new.
"""

from __future__ import annotations

from galerie.core.models import OutboxEvent
from galerie.ledger import postings
from galerie.orders.models import SellerOrder


def payment_captured(event: OutboxEvent) -> None:
    """Post the capture and the allocation of the order it paid for."""
    postings.payment_captured_post(payment_id=event.payload["payment_id"], event_uuid=event.uuid)


def order_placed(event: OutboxEvent) -> None:
    """Post the capture and allocation if the payment was captured before the order existed."""
    postings.order_placed_post(order_id=event.payload["order_id"], event_uuid=event.uuid)


def seller_order_status_changed(event: OutboxEvent) -> None:
    """Reverse a refused or cancelled seller order's part into customer clearing."""
    if event.payload.get("to_status") in (SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED):
        postings.seller_order_reversal_post(seller_order_id=event.payload["id"], event_uuid=event.uuid)


def refund_succeeded(event: OutboxEvent) -> None:
    """Post a refund the gateway confirmed."""
    postings.refund_post(refund_id=event.payload["refund_id"], event_uuid=event.uuid)


HANDLERS = {
    "payment.captured": [payment_captured],
    "order.placed": [order_placed],
    "sellerorder.status_changed": [seller_order_status_changed],
    "refund.succeeded": [refund_succeeded],
}
