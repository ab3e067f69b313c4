"""Throttle the doors an attacker knocks on: sign-in, password reset, sign-up, the seller
application, DSA notices and the checkout (the storefront's page and the API's route alike).

Each action has two limits, counted on the Django cache by django-ratelimit (Redis in
production, so every web process shares the counts): one per account (the e-mail address typed,
whether or not an account has it; the signed-in customer for the checkout) and one per client
IP. Sign-in counts failures only, the checkout its submissions and, tighter, its declined
payments (card testing); the other forms count every submission. The attempt that reaches a
limit locks that account or IP for a whole period (a cache key holding the lock's end): until
then the action is refused — the right password too — with a message saying when to retry. The
rates are in the setting ``GALERIE_THROTTLE_RATES`` (docs/throttling.md).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

DEFAULT_RATES: dict[str, dict[str, str]] = {
    # failed sign-ins: 5 per address, 30 per IP, per 15 minutes
    "login": {"account": "5/15m", "ip": "30/15m"},
    # reset e-mails asked: 3 per address, 10 per IP, per hour
    "password_reset": {"account": "3/h", "ip": "10/h"},
    # accounts created: 3 tries per address, 10 per IP, per hour
    "signup": {"account": "3/h", "ip": "10/h"},
    # seller applications sent: 3 tries per address, 5 per IP, per hour
    "seller_application": {"account": "3/h", "ip": "5/h"},
    # notices of illegal content sent: 5 per address, 10 per IP, per hour
    "dsa_notice": {"account": "5/h", "ip": "10/h"},
    # checkouts sent to the payment gateway (page or API): 20 per customer, 60 per IP, per hour
    "checkout": {"account": "20/h", "ip": "60/h"},
    # declined payments (card testing): 5 per customer, 15 per IP, per hour
    "checkout_declined": {"account": "5/h", "ip": "15/h"},
}
# An empty rate in the setting turns that limit off (e.g. for a load test from one address).
ACTIONS = tuple(DEFAULT_RATES)
RATE = re.compile(r"(\d+)/(\d*)([smhd])?")  # django-ratelimit's notation
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Throttled:
    """An action refused: ``retry_after`` seconds until the first limit reached lets it again."""

    action: str
    retry_after: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.action.startswith("checkout"):
            return ngettext(
                "Too many payment attempts. For your security, try again in %(minutes)d minute.",
                "Too many payment attempts. For your security, try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        return ngettext(
            "Too many attempts. For your security, try again in %(minutes)d minute.",
            "Too many attempts. For your security, try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


def _rates(action: str) -> dict[str, str]:
    if action not in DEFAULT_RATES:
        raise ValueError(f"unknown throttled action {action!r}: one of {', '.join(ACTIONS)}")
    configured = getattr(settings, "GALERIE_THROTTLE_RATES", {}).get(action, {})
    return {**DEFAULT_RATES[action], **configured}


def _account(value: str) -> str:
    return (value or "").strip().lower()[:254]


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get(getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR", ""))


def _period(rate: str) -> int:
    # No None check: the rates are Galerie's own settings, in django-ratelimit's notation.
    _count, multiple, unit = RATE.fullmatch(rate.strip()).groups()  # type: ignore[union-attr]
    return int(multiple or 1) * PERIODS[unit or "s"]


def _lock_key(action: str, scope: str, value: str) -> str:
    return "galerie:throttle-lock:" + hashlib.sha256(f"{action}|{scope}|{value}".encode()).hexdigest()


def _scopes(request: HttpRequest, action: str, account: str) -> list[tuple[str, str, str]]:
    """Return (scope, value counted, rate) for each limit of ``action`` that applies."""
    values = {"ip": _client_ip(request), "account": _account(account)}
    # nothing typed: only the IP's limit counts; an empty rate: that limit is off
    return [(scope, values[scope], rate) for scope, rate in _rates(action).items() if values[scope] and rate]


def throttle_check(request: HttpRequest, *actions: str, account: str = "") -> Throttled | None:
    """Return why any of ``actions`` is refused now for this client and account (the longest
    wait), or None if they may go on."""
    now, waits = time.time(), []
    for action in actions:
        for scope, value, _rate in _scopes(request, action, account):
            locked_until = cache.get(_lock_key(action, scope, value))
            if locked_until and locked_until > now:
                waits.append((math.ceil(locked_until - now), action))
    if not waits:
        return None
    retry_after, action = max(waits)
    return Throttled(action=action, retry_after=retry_after)


def throttle_count(request: HttpRequest, action: str, *, account: str = "") -> None:
    """Count one attempt at ``action`` against the client's IP and the account; lock for a whole
    period the IP or account that reaches its limit."""
    now = time.time()
    for scope, value, rate in _scopes(request, action, account):
        usage = get_usage(
            request,
            group=f"galerie.{action}.{scope}",
            key=lambda _group, _request, v=value: v,
            rate=rate,
            increment=True,
        )
        if usage is not None and usage["count"] >= usage["limit"]:
            period = _period(rate)
            cache.set(_lock_key(action, scope, value), now + period, timeout=period + 60)


def throttle_attempt(request: HttpRequest, action: str, *, account: str = "") -> Throttled | None:
    """Check then count a submission of a form throttled per submission (reset, sign-up, application)."""
    if throttled := throttle_check(request, action, account=account):
        return throttled
    throttle_count(request, action, account=account)
    return None


def checkout_account(user_id: int) -> str:
    """The checkout's per-account key: the customer, the same on the page and in the API."""
    return f"customer:{user_id}"


def checkout_throttle_check(request: HttpRequest, *, user_id: int) -> Throttled | None:
    """Return why this customer or client may not try to pay now, or None."""
    return throttle_check(request, "checkout", "checkout_declined", account=checkout_account(user_id))


def checkout_throttle_count(request: HttpRequest, *, user_id: int, declined: bool = False) -> None:
    """Count a checkout sent to the gateway, or (``declined``) a payment the gateway declined."""
    action = "checkout_declined" if declined else "checkout"
    throttle_count(request, action, account=checkout_account(user_id))
