"""The worker's handlers for notice and action: every e-mail once per event and recipient
(``email_send_once``). Collected by ``core.delivery.handlers_autodiscover``."""

from __future__ import annotations

from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notices.emails import (
    buyer_email,
    complaint_email,
    decision_for_email,
    notice_for_email,
    outcome_email,
    overdue_emails,
    receipt_email,
    statement_emails,
)
from galerie.notices.models import REMOVALS, Complaint
from galerie.notices.selectors import buyers_to_inform
from galerie.notifications.services import email_send_once


def notice_received(event: OutboxEvent) -> None:
    """Confirm its receipt to the notifier (art. 16(4) DSA)."""
    if message := receipt_email(notice=notice_for_email(notice_id=event.payload["notice_id"])):
        email_send_once(event_uuid=event.uuid, email=message)


def notice_decided(event: OutboxEvent) -> None:
    """Send the statement of reasons to each party restricted, the decision to the notifier once."""
    decisions = [decision_for_email(decision_id=pk) for pk in event.payload["decision_ids"]]
    for decision in decisions:
        if decision.action != "no_action":
            for message in statement_emails(decision=decision):
                email_send_once(event_uuid=event.uuid, email=message)
    if decisions and (outcome := outcome_email(decision=decisions[0])):
        email_send_once(event_uuid=event.uuid, email=outcome)


def notice_buyers_inform(event: OutboxEvent) -> None:
    """Art. 32 DSA: tell the active buyers of the last six months of an offer removed as illegal,
    each once (one e-mail per address and event, whatever the number of orders)."""
    for pk in event.payload["decision_ids"]:
        decision = decision_for_email(decision_id=pk)
        if decision.action in REMOVALS and decision.illegal:
            for buyer in buyers_to_inform(decision=decision):
                email_send_once(event_uuid=event.uuid, email=buyer_email(decision=decision, buyer=buyer))


def notice_overdue(event: OutboxEvent) -> None:
    """Tell the operator a notice's decision deadline passed."""
    for message in overdue_emails(notice=notice_for_email(notice_id=event.payload["notice_id"])):
        email_send_once(event_uuid=event.uuid, email=message)


def complaint_decided(event: OutboxEvent) -> None:
    """Tell the complainant the outcome of their complaint (art. 20(5) DSA)."""
    complaint = Complaint.objects.get(pk=event.payload["complaint_id"])
    if message := complaint_email(complaint=complaint):
        email_send_once(event_uuid=event.uuid, email=message)


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "notice.received": [notice_received],
    "notice.decided": [notice_decided, notice_buyers_inform],
    "notice.complaint_decided": [complaint_decided],
    "notice.overdue": [notice_overdue],
}
