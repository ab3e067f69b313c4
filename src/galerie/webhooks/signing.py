"""The signature of a webhook's body (docs/webhooks.md: how a receiver checks it).

``Galerie-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``, like
Stripe's: the time inside the signed text lets a receiver refuse an old message replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def secret_new() -> str:
    """Return a new signing secret: ``whsec_`` and 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the value of the ``Galerie-Signature`` header."""
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
