"""The public storefront pages read from the replica; whoever just wrote reads the primary.

docs/read-replicas.md says why. :func:`replica_reads` marks a view whose GET and HEAD may read
from the replica (``galerie.core.replicas``); :class:`ReplicaPinMiddleware` pins to the primary,
for ``GALERIE_REPLICA_PIN_SECONDS``, the browser that sent a write (a cookie) and, when someone is
signed in, their account on every device (a cache marker): they see their own write at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase
from django.template.response import SimpleTemplateResponse

from galerie.core import replicas

PIN_COOKIE = "galerie_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _user_pin_key(user_id: object) -> str:
    return f"replica-pin:user:{user_id}"


def pinned(request: HttpRequest) -> bool:
    """Whether this request must read the primary: its browser or its signed-in user wrote less
    than ``GALERIE_REPLICA_PIN_SECONDS`` ago. No session work for a visitor without a session."""
    if request.COOKIES.get(PIN_COOKIE):
        return True
    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and cache.get(_user_pin_key(user.pk)))


def replica_reads(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let a public page's GET and HEAD read from the replica (when one is configured and the
    visitor is not pinned). A page whose replica fails mid-render is rendered again on the
    primary: a GET writes nothing, so rendering it twice is safe."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or not replicas.configured() or pinned(request):
            return view(request, *args, **kwargs)
        with replicas.reads_allowed() as scope:
            try:
                response = view(request, *args, **kwargs)
                if isinstance(response, SimpleTemplateResponse):
                    response.render()  # its queries too, while the scope is in force
                return response
            except DatabaseError:
                # The replica's failure, or the primary's? Ask the replica: if it answers, the
                # error was not its own.
                if not scope.used or replicas.replica_usable(fresh=True):
                    raise
        replicas.replica_down()
        return view(request, *args, **kwargs)

    return wrapper


class ReplicaPinMiddleware:
    """After a request that may have written (any method but GET, HEAD, OPTIONS, TRACE), read the
    primary for ``GALERIE_REPLICA_PIN_SECONDS``: a cookie for this browser, a cache marker for the
    signed-in user's other devices. Installed only with a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            seconds = math.ceil(settings.GALERIE_REPLICA_PIN_SECONDS)
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                cache.set(_user_pin_key(user.pk), 1, seconds)
        return response
