"""The e-mails the worker sends for outbox events: ``HANDLERS`` maps a topic to its functions.

A handler takes the event, loads what it needs, and acts; it raises to have the event retried
later. It may run more than once for the same event (delivery is at least once), so each
e-mail goes through :func:`email_send_once`, keyed by the event's uuid. Other apps list their
own handlers in their ``handlers`` module (the ledger's postings, the search index, offer
imports); the worker collects them all (:func:`galerie.core.delivery.handlers_autodiscover`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notifications import emails, selectors, seller_emails, staff_emails, storefront_emails
from galerie.notifications.services import email_send_once

logger = logging.getLogger(__name__)


def _send(event: OutboxEvent, messages: list[emails.Email]) -> None:
    # One SMTP session per e-mail, opened only for e-mails not sent yet: a retried event whose
    # e-mails all went out does not need the server.
    for message in messages:
        email_send_once(event_uuid=event.uuid, email=message)


def order_placed(event: OutboxEvent) -> None:
    """E-mail the customer the order confirmation."""
    order = selectors.order_for_email(order_id=event.payload["order_id"])
    _send(event, [emails.order_placed_email(order=order)])


def seller_order_placed(event: OutboxEvent) -> None:
    """E-mail the seller (its address and each member who wants new orders) the new order to accept."""
    seller_order = selectors.seller_order_for_email(seller_order_id=event.payload["seller_order_id"])
    recipients = selectors.seller_order_recipients(seller=seller_order.seller)
    _send(event, emails.seller_order_placed_emails(seller_order=seller_order, recipients=recipients))


def seller_order_shipped(event: OutboxEvent) -> None:
    """E-mail the customer that a seller shipped a parcel, with its items and tracking number
    (one e-mail per parcel: the event names it; events written before parcels did not)."""
    seller_order = selectors.seller_order_for_email(seller_order_id=event.payload["seller_order_id"])
    shipment_id = event.payload.get("shipment_id")
    shipment = selectors.shipment_for_email(shipment_id=shipment_id) if shipment_id else None
    _send(event, [emails.seller_order_shipped_email(seller_order=seller_order, shipment=shipment)])


def seller_order_refused(event: OutboxEvent) -> None:
    """E-mail the customer that a seller refused its part and that this part is refunded."""
    seller_order = selectors.seller_order_for_email(seller_order_id=event.payload["seller_order_id"])
    _send(event, [emails.seller_order_refused_email(seller_order=seller_order)])


def seller_order_cancelled(event: OutboxEvent) -> None:
    """E-mail the customer that a part was cancelled because its seller did not accept it in
    time, and that this part is refunded."""
    if event.payload.get("reason") != "acceptance_deadline":
        return
    seller_order = selectors.seller_order_for_email(seller_order_id=event.payload["seller_order_id"])
    _send(event, [emails.seller_order_refused_email(seller_order=seller_order, expired=True)])


def refund_succeeded(event: OutboxEvent) -> None:
    """E-mail the customer that a refund reached their card (with or without an order)."""
    refund = selectors.refund_for_email(refund_id=event.payload["refund_id"])
    if order := selectors.order_of_payment(payment_id=refund.payment_id):
        _send(event, [emails.refund_order_email(refund=refund, order=order)])
    elif attempt := selectors.checkout_attempt_of_payment(payment_id=refund.payment_id):
        _send(event, [emails.refund_checkout_email(refund=refund, attempt=attempt)])
    else:
        logger.warning(
            "refund %s: payment %s has neither order nor checkout, no e-mail", refund.pk, refund.payment_id
        )


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "order.placed": [order_placed],
    "seller_order.placed": [seller_order_placed],
    "seller_order.shipped": [seller_order_shipped],
    "seller_order.refused": [seller_order_refused],
    "seller_order.cancelled": [seller_order_cancelled],
    "refund.succeeded": [refund_succeeded],
    "seller.applied": [seller_emails.seller_applied],
    "seller.curation_approved": [seller_emails.seller_curation_approved],
    "seller.storefront_refused": [seller_emails.seller_storefront_refused],
    "seller.rejected": [seller_emails.seller_rejected],
    "seller.info_requested": [seller_emails.seller_info_requested],
    "seller.suspended": [seller_emails.seller_suspended],
    "seller.closed": [seller_emails.seller_closed],
    "seller.quality_warning": [seller_emails.seller_quality_warning],
    "seller.invitation_created": [staff_emails.seller_invitation_created],
    "productproposal.status_changed": [staff_emails.product_proposal_status_changed],
    "storefront.closure_announced": [storefront_emails.storefront_closure_announced],
    "storefront.closure_cancelled": [storefront_emails.storefront_closure_cancelled],
}
