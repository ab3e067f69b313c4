"""The worker's handlers for the DAC7 app's events: the reminders and the payout hold, e-mailed
to the seller's contact address and owners once per event (``email_send_once``). Collected by
``core.delivery.handlers_autodiscover``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

from galerie.core.models import OutboxEvent
from galerie.dac7.selectors import FIELD_LABELS
from galerie.notifications.emails import URLCONF, site_url
from galerie.notifications.seller_emails import seller_emails
from galerie.notifications.services import email_send_once
from galerie.sellers.selectors import seller_application_recipients, seller_for_email


def _deliver(event: OutboxEvent, kind: str) -> None:
    seller = seller_for_email(seller_id=event.payload["seller_id"])
    if not seller.admissions.all():
        return  # no storefront to write in the name of
    context = {
        "year": event.payload["year"],
        "number": event.payload.get("number", 0),
        "missing": [FIELD_LABELS[code] for code in event.payload.get("missing", []) if code in FIELD_LABELS],
        "tax_url": site_url(reverse("seller_area:tax_information", urlconf=URLCONF)),
        "interval_days": int(getattr(settings, "GALERIE_DAC7_REMINDER_INTERVAL_DAYS", 30)),
        "grace_days": int(getattr(settings, "GALERIE_DAC7_HOLD_GRACE_DAYS", 30)),
    }
    recipients = seller_application_recipients(seller=seller)
    for message in seller_emails(kind=kind, seller=seller, recipients=recipients, context=context):
        email_send_once(event_uuid=event.uuid, email=message)


def dac7_reminder(event: OutboxEvent) -> None:
    """E-mail the seller which tax identification data is missing, and where to give it."""
    _deliver(event, "dac7_reminder")


def dac7_payouts_held(event: OutboxEvent) -> None:
    """E-mail the seller that its payouts are held until it gives the missing data."""
    _deliver(event, "dac7_payouts_held")


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "dac7.reminder": [dac7_reminder],
    "dac7.payouts_held": [dac7_payouts_held],
}
