"""The test provider's webhooks: signed JSON events, stored as rows and delivered when due.

Like a real provider, it can deliver each event twice, late, or out of order
(``settings.GALERIE_TEST_GATEWAY_WEBHOOKS``, or the ``order`` argument of
:func:`deliver_due_webhooks`). A failed delivery is retried with an exponential back-off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from galerie.core.errors import DomainError
from galerie.payments.errors import WebhookSignatureInvalid
from galerie.payments.testgateway.models import ProviderWebhook

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Test-Gateway-Signature"
TOLERANCE_SECONDS = 300  # a signature older than this is refused: a replayed request
LEASE = timedelta(seconds=30)  # how long a worker owns a delivery it is attempting
MAX_ATTEMPTS = 12
ORDERS = ("oldest", "newest", "random")


@dataclass(frozen=True)
class WebhookBehaviour:
    """How the test provider delivers: ``duplicate`` sends each event twice, ``delay_seconds``
    schedules it late, ``order`` picks which due event goes first (oldest, newest, random)."""

    duplicate: bool = False
    delay_seconds: float = 0
    order: str = "oldest"


def webhook_behaviour() -> WebhookBehaviour:
    """Read ``settings.GALERIE_TEST_GATEWAY_WEBHOOKS`` (a dict of WebhookBehaviour's fields)."""
    return WebhookBehaviour(**getattr(settings, "GALERIE_TEST_GATEWAY_WEBHOOKS", None) or {})


def webhook_secret() -> bytes:
    """Return the signing secret: the configured one, or one derived from SECRET_KEY."""
    configured = getattr(settings, "GALERIE_TEST_GATEWAY_WEBHOOK_SECRET", "")
    if configured:
        return configured.encode()
    return salted_hmac("galerie.payments.testgateway", "webhook-signing-secret").hexdigest().encode()


def _mac(body: bytes, timestamp: str) -> str:
    return hmac.new(webhook_secret(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(body: bytes, *, timestamp: int | None = None) -> str:
    """Return the signature header value for ``body``: ``t=<unix time>,v1=<HMAC-SHA256 hex>``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return f"t={stamp},v1={_mac(body, stamp)}"


def verify(body: bytes, header: str | None, *, now: float | None = None) -> None:
    """Check the signature of ``body``; raise WebhookSignatureInvalid if it is missing, wrong or stale."""
    if not header:
        raise WebhookSignatureInvalid(f"The webhook has no {SIGNATURE_HEADER} header.")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        raise WebhookSignatureInvalid(f"The {SIGNATURE_HEADER} header is malformed.")
    if not hmac.compare_digest(_mac(body, stamp), given):
        raise WebhookSignatureInvalid(
            "The webhook signature does not match its body: it was not sent by the test gateway,"
            " or it was altered on the way."
        )
    if abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE_SECONDS:
        raise WebhookSignatureInvalid("The webhook signature is too old: a replayed request is refused.")


def webhook_schedule(*, type: str, obj: dict[str, Any]) -> str:
    """Queue an event about ``obj`` (a charge or refund snapshot); return its id.

    Runs in the provider's transaction, so that the event exists if and only if the change does.
    """
    behaviour = webhook_behaviour()
    now = timezone.now()
    event_id = f"tevt_{secrets.token_hex(12)}"
    body = json.dumps(
        {"id": event_id, "type": type, "created": int(now.timestamp()), "data": {"object": obj}},
        sort_keys=True,
    )
    at = now + timedelta(seconds=behaviour.delay_seconds)
    copies = 2 if behaviour.duplicate else 1
    ProviderWebhook.objects.bulk_create(
        ProviderWebhook(event_id=event_id, type=type, body=body, scheduled_at=at) for _ in range(copies)
    )
    return event_id


def webhook_redeliver(*, event_id: str, at: datetime | None = None) -> ProviderWebhook:
    """Schedule one more delivery of an event already sent (the provider's "resend" button)."""
    first = ProviderWebhook.objects.filter(event_id=event_id).order_by("id").first()
    if first is None:
        raise ProviderWebhook.DoesNotExist(f"There is no test gateway event {event_id}.")
    return ProviderWebhook.objects.create(
        event_id=event_id, type=first.type, body=first.body, scheduled_at=at or timezone.now()
    )


def deliver_due_webhooks(*, now: datetime | None = None, order: str | None = None, limit: int = 100) -> int:
    """Deliver the webhooks due at ``now``; return how many were accepted by the receiver.

    Safe to run twice or concurrently: each delivery is claimed by a conditional UPDATE first.
    """
    now = now or timezone.now()
    order = order or webhook_behaviour().order
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    due = list(
        ProviderWebhook.objects.filter(
            delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS, scheduled_at__lte=now
        ).order_by("scheduled_at", "id")[:limit]
    )
    if order == "newest":
        due.reverse()
    elif order == "random":
        random.shuffle(due)
    return sum(webhook_deliver(webhook=webhook, now=now) for webhook in due)


def webhook_deliver(*, webhook: ProviderWebhook, now: datetime | None = None) -> bool:
    """Attempt one delivery now, due or not; return True if the receiver accepted it."""
    now = now or timezone.now()
    claimed = ProviderWebhook.objects.filter(
        pk=webhook.pk, delivered_at__isnull=True, scheduled_at=webhook.scheduled_at
    ).update(scheduled_at=now + LEASE)
    if not claimed:
        return False  # delivered already, or another worker is on it
    error = _send(webhook.body.encode())
    attempts = webhook.attempts + 1
    if error is None:
        ProviderWebhook.objects.filter(pk=webhook.pk).update(
            delivered_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
        return True
    logger.warning("test gateway webhook %s (attempt %s) failed: %s", webhook.event_id, attempts, error)
    ProviderWebhook.objects.filter(pk=webhook.pk).update(
        attempts=F("attempts") + 1,
        last_error=error[:2000],
        scheduled_at=now + timedelta(seconds=min(2**attempts, 3600)),
    )
    return False


def _send(body: bytes) -> str | None:
    """POST the signed body to GALERIE_PAYMENT_WEBHOOK_URL, or hand it to our handler in-process."""
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
    url = getattr(settings, "GALERIE_PAYMENT_WEBHOOK_URL", None)
    if url:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            return f"HTTP {error.code}"
        except OSError as error:  # URLError, timeouts, refused connections
            return f"cannot reach {url}: {error}"
    # Imported here: our side imports the test gateway, so the reverse import must be late.
    from galerie.payments.services import webhook_handle

    try:
        webhook_handle(gateway="test", body=body, headers=headers)
    except DomainError as error:
        return f"{error.code}: {error.message}"
    except Exception as error:  # the receiver crashed: like an HTTP 500, retried later
        logger.exception("the in-process webhook handler failed")
        return f"{type(error).__name__}: {error}"
    return None
