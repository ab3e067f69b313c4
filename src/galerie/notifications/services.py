"""Send a rendered e-mail once per (outbox event, recipient, kind)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from contextlib import nullcontext
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db import connection as database
from django.utils import timezone

from galerie.notifications.emails import Email
from galerie.notifications.models import SentEmail

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30
UNDELIVERABLE_TLD = ".invalid"  # RFC 2606: reserved, never a mailbox; erased accounts' pseudonyms


def email_connection() -> BaseEmailBackend:
    """Return the configured backend, with a timeout so a stuck SMTP server cannot stall the worker."""
    return get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT_SECONDS)


def _message_id(event_uuid: uuid.UUID, email: Email) -> str:
    # The same for every attempt at the same e-mail: mail stores that see a second copy with
    # a Message-ID they already hold may drop it.
    domain = parseaddr(email.from_email)[1].rpartition("@")[2] or "galerie.invalid"
    who = hashlib.sha256(email.recipient.encode()).hexdigest()[:16]
    return f"<{event_uuid.hex}.{email.kind}.{who}@{domain}>"


def email_send_once(
    *, event_uuid: uuid.UUID, email: Email, connection: BaseEmailBackend | None = None
) -> bool:
    """Send ``email`` unless the SMTP server accepted it for this event already; return whether it went now.

    Once per (event, recipient, kind), as observed by the recipient: the SentEmail row is
    committed first, under its unique constraint, then locked (PostgreSQL: ``SELECT … FOR
    UPDATE``, blocking) while the SMTP server is asked, and marked ``sent_at`` in that same
    transaction. A second sender of the same e-mail waits for the lock and finds it sent; a
    row left unconfirmed by a worker killed before the server's answer is sent again, with
    the same Message-ID (docs/worker-and-emails.md). If the server refuses or cannot be
    reached, the row is deleted again and the error raised, so the worker retries the event.
    """
    recipient = email.recipient.strip().lower()
    if recipient.endswith(UNDELIVERABLE_TLD):
        # An erased account's pseudonym (docs/privacy.md): no mailbox, nothing to send or record.
        logger.info("%s for event %s: the recipient is an erased account, skipped", email.kind, event_uuid)
        return False
    for _ in range(3):  # again only if a failed attempt released the row under our feet
        created = True
        try:
            with transaction.atomic():
                record = SentEmail.objects.create(
                    event_uuid=event_uuid,
                    kind=email.kind,
                    recipient=recipient,
                    reference=email.reference,
                    subject=email.subject[:255],
                    language=email.language,
                )
        except IntegrityError:
            created = False
            existing = (
                SentEmail.objects.filter(event_uuid=event_uuid, kind=email.kind, recipient=recipient)
                .only("pk", "sent_at")
                .first()
            )
            if existing is None:
                continue
            record = existing
            if record.sent_at is not None:
                logger.info("%s for event %s to %s: already sent, skipped", email.kind, event_uuid, recipient)
                return False
        sent = _send_claimed(
            record.pk, event_uuid=event_uuid, email=email, connection=connection, created=created
        )
        if sent is not None:
            return sent
    raise RuntimeError(f"{email.kind} for event {event_uuid} to {recipient}: released three times in a row")


def _send_claimed(
    pk: int, *, event_uuid: uuid.UUID, email: Email, connection: BaseEmailBackend | None, created: bool
) -> bool | None:
    """Send the e-mail of SentEmail ``pk`` while holding its row; None if the row was released."""
    locking = database.features.has_select_for_update
    with transaction.atomic() if locking else nullcontext():
        # The lock lasts as long as the SMTP exchange (EMAIL_TIMEOUT at most) and only stops
        # another sender of this very e-mail; a killed worker's connection, and lock, die with it.
        # SQLite has no row locks: the row is read, and the exchange runs outside any transaction.
        record = SentEmail.objects.select_for_update().filter(pk=pk).only("pk", "sent_at").first()
        if record is None:
            return None
        if record.sent_at is not None:
            logger.info("%s for event %s: sent meanwhile by another worker, skipped", email.kind, event_uuid)
            return False
        if not created:
            # Most often a worker killed before the server's answer (rarely, one that has just
            # written the row and not locked it yet: it will find the e-mail sent).
            logger.warning(
                "%s for event %s: found unconfirmed, sending it (again?) with the same Message-ID",
                email.kind,
                event_uuid,
            )
        try:
            _message(event_uuid, email, connection).send()
        except Exception as error:
            failure = error
        else:
            SentEmail.objects.filter(pk=pk).update(sent_at=timezone.now())
            return True
        SentEmail.objects.filter(pk=pk).delete()  # committed with the transaction: retried later
    raise failure


def _message(
    event_uuid: uuid.UUID, email: Email, connection: BaseEmailBackend | None
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email,
        to=[email.recipient.strip()],
        reply_to=[email.reply_to] if email.reply_to else None,
        connection=connection or email_connection(),
        headers={
            "Message-ID": _message_id(event_uuid, email),
            "Content-Language": email.language,
            # RFC 3834: no vacation auto-replies to a machine's e-mail.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(email.html, "text/html")
    for name, content, mimetype in email.attachments:
        message.attach(name, content, mimetype)
    return message
