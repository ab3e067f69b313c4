"""Rate limits per key, per account and per IP, counted on the Django cache (Redis when
configured, so every app server shares the counts): fixed windows with an atomic increment,
answered with 429 and ``Retry-After`` by django-ninja. The rates are the setting
``GALERIE_API_RATES``. The checkout's limits (card testing) are the storefront page's own,
galerie.core.throttling, shared with it: see ``checkout_refusal``."""

from __future__ import annotations

import hashlib
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle

from galerie.core import throttling

DEFAULT_RATES = {
    "key": "1200/m",  # per seller key, staff key or customer
    "account": "2400/m",  # per seller (all its keys) or staff user (all their keys)
    "ip": "600/m",  # per client IP, for requests without a credential
    "failed_auth": "20/m",  # wrong keys per IP: then every key from that IP waits
}


def rate(scope: str) -> tuple[int, int] | None:
    """Return (requests, seconds) for ``scope``, or None when the operator turned it off."""
    value = {**DEFAULT_RATES, **getattr(settings, "GALERIE_API_RATES", {})}.get(scope)
    if not value:
        return None
    count, _, unit = value.partition("/")
    return int(count), throttling.PERIODS[unit[-1]] * int(unit[:-1] or 1)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the header the reverse proxy sets
    (``THROTTLE_IP_HEADER``, the same one the sign-in throttling reads; never X-Forwarded-For
    as the client wrote it)."""
    return str(request.META.get(getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR", ""))


def _hit(scope: str, ident: str, *, count: bool = True) -> float | None:
    """Count one request of ``ident``; return the seconds to wait when over the limit, else None."""
    limits = rate(scope)
    if limits is None:
        return None
    allowed, period = limits
    now = time.time()
    window = int(now // period)
    key = f"galerie:api-rate:{scope}:{ident}:{window}"
    if count:
        cache.add(key, 0, timeout=period + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 5)
            used = 1
    else:
        used = cache.get(key, 0)
    # Counting, the request past the limit is refused; looking, a count at the limit refuses.
    if used > allowed or (not count and used >= allowed):
        return max(1.0, math.ceil((window + 1) * period - now))
    return None


class _WindowThrottle(BaseThrottle):
    scope = ""

    def __init__(self) -> None:
        self._local = threading.local()  # one object serves every thread's requests

    def ident(self, request: HttpRequest) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: HttpRequest) -> bool:
        ident = self.ident(request)
        if ident is None:
            self._local.wait = None
            return True
        self._local.wait = _hit(self.scope, ident)
        return self._local.wait is None

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


class KeyThrottle(_WindowThrottle):
    """Per credential: the seller key, the staff key or the customer."""

    scope = "key"

    def ident(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        return str(auth) if auth is not None and not getattr(auth, "anonymous", False) else None


class IpThrottle(_WindowThrottle):
    """Per client IP, for requests that carry no credential."""

    scope = "ip"

    def ident(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)  # a guest (storefront API) has no credential
        return None if auth is not None and not getattr(auth, "anonymous", False) else client_ip(request)


class AccountThrottle(_WindowThrottle):
    """Per account behind the key: a seller's keys together, a staff user's keys together (a
    customer's token is its account: the key throttle counts it already)."""

    scope = "account"

    def ident(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        token = getattr(auth, "token", None)
        if token is None:
            return None
        if (seller_id := getattr(token, "seller_id", None)) is not None:
            return f"seller:{seller_id}"
        return f"staff-user:{token.user_id}" if getattr(token, "user_id", None) is not None else None


class RateLimited(Throttled):
    """A 429 with its own message (the checkout's, translated) and ``Retry-After``."""

    def __init__(self, refusal: throttling.Throttled) -> None:
        super().__init__(wait=refusal.retry_after)
        self.refusal_message = refusal.message


def checkout_refusal(request: HttpRequest, *, user_id: int) -> None:
    """Raise RateLimited if this customer or client may not try to pay now (the storefront page's
    limits, counted together with it); else count this checkout."""
    if refusal := throttling.checkout_throttle_check(request, user_id=user_id):
        raise RateLimited(refusal)
    throttling.checkout_throttle_count(request, user_id=user_id)


def checkout_declined(request: HttpRequest, *, user_id: int) -> None:
    """Count a payment the gateway declined against the customer and the client (card testing)."""
    throttling.checkout_throttle_count(request, user_id=user_id, declined=True)


def _account(email: str) -> str:
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def failed_auth_count(request: HttpRequest, *, account: str = "") -> None:
    """Count a wrong key or password against the client's IP (and the e-mail address typed)."""
    _hit("failed_auth", client_ip(request))
    if account:
        _hit("failed_auth", _account(account))


def failed_auth_wait(request: HttpRequest, *, account: str = "") -> float | None:
    """Seconds the client (or the account) must wait after too many failures, else None."""
    waits = [_hit("failed_auth", client_ip(request), count=False)]
    if account:
        waits.append(_hit("failed_auth", _account(account), count=False))
    return max((w for w in waits if w is not None), default=None)


throttles: list[BaseThrottle] = [KeyThrottle(), AccountThrottle(), IpThrottle()]
