"""The worker's handlers for a merge's events (docs/merge-confirmations.md): the e-mails asking
matched sellers and customers to confirm. Collected by ``core.delivery.handlers_autodiscover``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from galerie.core.models import OutboxEvent
from galerie.notifications.services import email_send_once
from galerie.portability.confirmations import merge_party_emails, party_for_email
from galerie.portability.models import MergeParty, StorefrontMerge

logger = logging.getLogger(__name__)


def merge_party_confirmation_requested(event: OutboxEvent) -> None:
    """E-mail a matched seller (contact, owners, managers) or customer the question and the
    confirmation link, once per recipient; nothing when nothing is left to answer."""
    party = party_for_email(party_id=event.payload["party_id"])
    if party is None:
        logger.info("merge party %s is gone: no confirmation e-mail", event.payload["party_id"])
        return
    merge = party.merge
    answerable = merge.status == StorefrontMerge.Status.PLANNED or (
        merge.status == StorefrontMerge.Status.COMMITTED
        and party.kind == MergeParty.Kind.CUSTOMER
        and party.joined_at is None
    )
    if not answerable or party.status in (MergeParty.Status.CONFIRMED, MergeParty.Status.DECLINED):
        return  # abandoned, or already answered, before the worker came to it
    for message in merge_party_emails(party=party):
        email_send_once(event_uuid=event.uuid, email=message)


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "merge_party.confirmation_requested": [merge_party_confirmation_requested],
}
