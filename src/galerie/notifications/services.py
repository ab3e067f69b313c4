"""Send a rendered e-mail once per (outbox event, recipient, kind)."""

from __future__ import annotations

import hashlib
import logging
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
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
    """Send ``email`` unless it was sent (or started) for this event already; return whether it went now.

    At most once: the SentEmail row is committed first, under its unique constraint, and the
    SMTP server is asked afterwards. If the server refuses or cannot be reached, the row is
    deleted again and the error raised, so the worker retries the event later.
    """
    recipient = email.recipient.strip().lower()
    if recipient.endswith(UNDELIVERABLE_TLD):
        # An erased account's pseudonym (docs/privacy.md): no mailbox, nothing to send or record.
        logger.info("%s for event %s: the recipient is an erased account, skipped", email.kind, event_uuid)
        return False
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
        logger.info("%s for event %s to %s: already sent, skipped", email.kind, event_uuid, recipient)
        return False
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
    try:
        message.send()
    except Exception:
        SentEmail.objects.filter(pk=record.pk).delete()
        raise
    SentEmail.objects.filter(pk=record.pk).update(sent_at=timezone.now())
    return True
