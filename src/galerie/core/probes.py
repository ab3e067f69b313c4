"""Readiness: can this process serve? Each service it needs answers, within a short timeout.

``/readyz`` runs :func:`readiness_checks`: the database (``SELECT 1``), the cache (a Redis ``PING``
when ``REDIS_URL`` is set, else the local-memory cache), and the Celery broker when
``GALERIE_BROKER_URL`` is set. Each check has its own timeout (``TIMEOUT_SECONDS``) so that a probe
never hangs on a service that does not answer; a check that fails names the error's type only (the
message, which may name hosts, goes to the log). ``/healthz`` checks nothing: the process answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seconds: float
    error: str = ""  # the exception's type when not ok

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {"ok": self.ok, "ms": round(self.seconds * 1000, 1)}
        if self.error:
            answer["error"] = self.error
        return answer


def _database() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A server that accepts the connection but does not answer fails the check in time.
            cursor.execute("SET LOCAL statement_timeout = %s", [int(TIMEOUT_SECONDS * 1000)])
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    if settings.REDIS_URL:
        import redis

        # Its own connection with short timeouts: the cache's pool may have none (a request would
        # wait on a dead Redis as long as the OS lets it; a probe must not).
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    else:
        cache.set("galerie:readyz", 1, 10)
        if cache.get("galerie:readyz") != 1:
            raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    from kombu import Connection

    timeout = TIMEOUT_SECONDS
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}  # the redis transport's
    broker = Connection(settings.GALERIE_BROKER_URL, connect_timeout=timeout, transport_options=options)  # type: ignore[no-untyped-call]
    with broker as conn:
        # One retry at once (no back-off sleep), the whole bounded by the timeout.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def _run(name: str, check: Callable[[], None]) -> Check:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        logger.warning("readiness: %s failed: %s: %s", name, type(error).__name__, error)
        return Check(name, False, time.perf_counter() - started, type(error).__name__)
    return Check(name, True, time.perf_counter() - started)


def readiness_checks() -> list[Check]:
    """Check the database, the cache and (when one is set) the broker; return one result each."""
    checks: list[tuple[str, Callable[[], None]]] = [("database", _database), ("cache", _cache)]
    if getattr(settings, "GALERIE_BROKER_URL", ""):
        checks.append(("broker", _broker))
    return [_run(name, check) for name, check in checks]
