"""The worker's handlers for the seller terms and complaints: the e-mails of P2B arts. 3, 4 and
11. Collected by ``core.delivery.handlers_autodiscover``; each e-mail once per event and recipient."""

from __future__ import annotations

from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notifications.services import email_send_once
from galerie.sellers.models import Seller, SellerTermination
from galerie.terms.emails import p2b_seller_emails
from galerie.terms.models import SellerComplaint, SellerTermsVersion

NOTIFIED_STATUSES = (Seller.Status.ACTIVE, Seller.Status.SUSPENDED)


def terms_version_published(event: OutboxEvent) -> None:
    """E-mail every active (or suspended) seller the new terms, what changes and their date."""
    version = SellerTermsVersion.objects.get(pk=event.payload["version_id"])
    sellers = Seller.objects.filter(status__in=NOTIFIED_STATUSES).order_by("pk").values_list("pk", flat=True)
    for seller_id in sellers.iterator():
        for email in p2b_seller_emails(
            kind="terms_published", seller_id=seller_id, context={"version": version}
        ):
            email_send_once(event_uuid=event.uuid, email=email)


def seller_termination_notified(event: OutboxEvent) -> None:
    """E-mail the seller the notice of termination: statement of reasons and the date it takes effect."""
    termination = SellerTermination.objects.get(pk=event.payload["termination_id"])
    context = {"termination": termination, "notice_days": SellerTermination.NOTICE_DAYS}
    for email in p2b_seller_emails(
        kind="seller_termination_notified", seller_id=termination.seller_id, context=context
    ):
        email_send_once(event_uuid=event.uuid, email=email)


def complaint_answered(event: OutboxEvent) -> None:
    """E-mail the seller the operator's answer to its complaint."""
    complaint = SellerComplaint.objects.get(pk=event.payload["complaint_id"])
    for email in p2b_seller_emails(
        kind="complaint_answered", seller_id=complaint.seller_id, context={"complaint": complaint}
    ):
        email_send_once(event_uuid=event.uuid, email=email)


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "terms.version_published": [terms_version_published],
    "seller.termination_notified": [seller_termination_notified],
    "complaint.answered": [complaint_answered],
}
