"""The id of the request (or task) whose work is running: logged on every line, carried into events.

A request gets one from the middleware (the proxy's ``X-Request-ID`` when it is a sane token, else
a new one); :func:`galerie.core.outbox.emit` writes it on each event, and whoever delivers the
event (``galerie worker`` or a Celery task) runs its handlers under that same id, so one search in
the logs follows an order from the checkout's request to the e-mails and index updates it caused.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_LENGTH = 64
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_current: ContextVar[str] = ContextVar("galerie_request_id", default="")


def request_id_current() -> str:
    """The id of the work running now, or "" outside any request, task or delivery."""
    return _current.get()


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(proposed: str | None) -> str:
    """``proposed`` (from a trusted proxy's header) if it is a short token, else a new id."""
    if proposed and _SANE.fullmatch(proposed):
        return proposed
    return request_id_new()


@contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    """Run the block under the request id ``value`` (a new one when empty)."""
    value = value or request_id_new()
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
