"""The worker's handlers for review events: the request e-mail and the hidden-review notice.
Collected by ``core.delivery.handlers_autodiscover``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notifications.services import email_send_once
from galerie.orders.models import SellerOrder
from galerie.reviews.emails import review_hidden_email, review_request_email
from galerie.reviews.models import Review

logger = logging.getLogger(__name__)


def review_requested(event: OutboxEvent) -> None:
    """E-mail the customer the review request of one delivered seller order, once; nothing when
    every line has been reviewed already."""
    seller_order = (
        SellerOrder.objects.select_related("order__storefront", "order__customer", "seller")
        .filter(pk=event.payload["seller_order_id"])
        .first()
    )
    if seller_order is None:
        return
    lines = list(seller_order.lines.all())
    if all(Review.objects.filter(order_line_id=line.pk).exists() for line in lines):
        logger.info("seller order %s: every line reviewed, no request", seller_order.pk)
        return
    email_send_once(event_uuid=event.uuid, email=review_request_email(seller_order=seller_order))


def review_status_changed(event: OutboxEvent) -> None:
    """Tell the author of a hidden review why it is hidden."""
    if event.payload.get("to_status") != Review.Status.HIDDEN:
        return
    review = (
        Review.objects.select_related("seller_order__order__storefront", "order_line")
        .filter(pk=event.payload["id"])
        .first()
    )
    if review is None or review.status != Review.Status.HIDDEN:
        return  # published again before the worker came to it
    email_send_once(event_uuid=event.uuid, email=review_hidden_email(review=review))


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "review.requested": [review_requested],
    "review.status_changed": [review_status_changed],
}
