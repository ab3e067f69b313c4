"""The worker's handlers for incidents' events: the e-mails of each step, once per event and
recipient (``email_send_once``). Collected by ``core.delivery.handlers_autodiscover``."""

from __future__ import annotations

from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.incidents.emails import CUSTOMER, OPERATOR, SELLER, incident_emails, incident_for_email
from galerie.incidents.models import Incident
from galerie.notifications.services import email_send_once

# Who hears of each step: the other party; the operator too on escalation.
ROLES = {
    "opened": [SELLER],
    "answered": [CUSTOMER],
    "resolved": [SELLER],
    "decided": [CUSTOMER, SELLER],
}


def _deliver(event: OutboxEvent, step: str, roles: list[str]) -> None:
    incident = incident_for_email(incident_id=event.payload["incident_id"])
    for message in incident_emails(incident=incident, step=step, roles=roles):
        email_send_once(event_uuid=event.uuid, email=message)


def incident_opened(event: OutboxEvent) -> None:
    """Tell the seller a customer opened an incident, and its deadline to answer."""
    _deliver(event, "opened", ROLES["opened"])


def incident_answered(event: OutboxEvent) -> None:
    """Tell the customer what the seller proposes."""
    _deliver(event, "answered", ROLES["answered"])


def incident_resolved(event: OutboxEvent) -> None:
    """Tell the seller the customer accepted its answer."""
    _deliver(event, "resolved", ROLES["resolved"])


def incident_escalated(event: OutboxEvent) -> None:
    """Tell the seller and the operator (and the customer, when the deadline escalated it)."""
    by_deadline = event.payload.get("escalated_by") == Incident.EscalatedBy.DEADLINE
    _deliver(event, "escalated", [SELLER, OPERATOR, *([CUSTOMER] if by_deadline else [])])


def incident_decided(event: OutboxEvent) -> None:
    """Tell both parties the operator's decision."""
    _deliver(event, "decided", ROLES["decided"])


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "incident.opened": [incident_opened],
    "incident.answered": [incident_answered],
    "incident.resolved": [incident_resolved],
    "incident.escalated": [incident_escalated],
    "incident.decided": [incident_decided],
}
