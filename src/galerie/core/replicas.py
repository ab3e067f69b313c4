"""Reads from a PostgreSQL streaming replica, opted into per request, never after a write.

docs/read-replicas.md says why. In short:

- ``DATABASE_REPLICA_URL`` adds a database alias ``replica`` and :class:`ReplicaRouter`. Without it
  nothing here is installed and every read goes to the primary.
- A read goes to the replica only inside :func:`reads_allowed` (the public storefront pages enter
  it, through ``galerie.web.replica_reads``), and only while nothing in that scope has written or
  opened a transaction on the primary: from then on its reads go to the primary too.
- Sessions, users and accounts are always read from the primary: who is signed in, with which
  password, must never lag.
- The replica is used only while it answers and lags less than ``GALERIE_REPLICA_MAX_LAG_SECONDS``
  (:func:`replica_usable`, checked at most every ``GALERIE_REPLICA_CHECK_SECONDS`` per process);
  otherwise the reads go to the primary and the pages keep working.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# Who is signed in and with which password is read where it was written: a session or a password
# read from a lagging replica would sign a visitor out, or in.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts"})

logger = logging.getLogger(__name__)


@dataclass
class ReadScope:
    """One request's permission to read from the replica, and what happened under it."""

    wrote: bool = False  # something wrote, or opened a transaction, on the primary
    usable: bool | None = None  # the replica's health, looked up at the first read
    used: bool = False  # at least one read went to the replica


_scope: contextvars.ContextVar[ReadScope | None] = contextvars.ContextVar("galerie_replica", default=None)


def configured() -> bool:
    """Whether a replica is configured (``DATABASE_REPLICA_URL``)."""
    return REPLICA in settings.DATABASES


@contextmanager
def reads_allowed() -> Iterator[ReadScope]:
    """Let the reads in this scope go to the replica, until the first write on the primary."""
    scope = ReadScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> ReadScope | None:
    """The replica scope in force (None: every read goes to the primary)."""
    return _scope.get()


def staleness_bound() -> float:
    """Return how old, at most, what a read from the replica returns can be, in seconds: the lag
    the health check accepts, plus how long a check's answer is trusted."""
    return float(settings.GALERIE_REPLICA_MAX_LAG_SECONDS) + float(settings.GALERIE_REPLICA_CHECK_SECONDS)


class _Health:
    """The replica's last health check in this process: usable or not, and when it was made."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.usable = False
        self.checked = float("-inf")


_health = _Health()

# Replayed everything the primary had written when we asked it: not behind. Else, how long ago the
# last transaction it replayed committed (a replica whose replay is paused or slow ages here).
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       pg_last_wal_replay_lsn() >= %s::pg_lsn,
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
"""


def replica_lag() -> float | None:
    """Return how far the replica is behind the primary, in seconds (0: caught up); None if it is
    not a streaming replica. Raises DatabaseError if either does not answer."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_lsn = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(_LAG_SQL, [primary_lsn])
        in_recovery, streaming, caught_up, since_replay = cursor.fetchone()
    if not in_recovery or not streaming:
        return None
    if caught_up:
        return 0.0
    return float(since_replay) if since_replay is not None else float("inf")


def replica_usable(*, fresh: bool = False) -> bool:
    """Whether reads may go to the replica now: it answers, streams and lags less than
    ``GALERIE_REPLICA_MAX_LAG_SECONDS``. The answer is kept ``GALERIE_REPLICA_CHECK_SECONDS``
    in this process (``fresh``: ask again now)."""
    now = time.monotonic()
    if not fresh and now - _health.checked < settings.GALERIE_REPLICA_CHECK_SECONDS:
        return _health.usable
    with _health.lock:
        if not fresh and now - _health.checked < settings.GALERIE_REPLICA_CHECK_SECONDS:
            return _health.usable  # another thread checked meanwhile
        if _is_the_primary():
            _health.usable, _health.checked = False, time.monotonic()
            return False
        try:
            lag = replica_lag()
        except DatabaseError as error:
            logger.warning("Read replica unavailable, reading from the primary: %s", error)
            _close_replica()
            usable = False
        else:
            usable = lag is not None and lag <= settings.GALERIE_REPLICA_MAX_LAG_SECONDS
            if not usable:
                logger.warning("Read replica behind by %s s, reading from the primary", lag)
        _health.usable, _health.checked = usable, time.monotonic()
        return usable


def _is_the_primary() -> bool:
    """Whether the replica alias names the primary's own database: a test run's mirror
    (``TEST["MIRROR"]``), or a URL copied by mistake. Reading it as a replica would gain nothing."""
    primary, replica = connections[DEFAULT_DB_ALIAS].settings_dict, connections[REPLICA].settings_dict
    return all(primary.get(key) == replica.get(key) for key in ("HOST", "PORT", "NAME"))


def replica_down() -> None:
    """Record that the replica failed a read: the reads go to the primary until the next check."""
    _health.usable, _health.checked = False, time.monotonic()
    _close_replica()


def _close_replica() -> None:
    with suppress(DatabaseError):
        connections[REPLICA].close()


class ReplicaRouter:
    """Send a read to the replica inside :func:`reads_allowed` while nothing wrote; everything
    else to the primary. Always names the database: Django's fallback for a router's None is the
    database an instance was read from, which for an object read from the replica is the replica."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        scope = _scope.get()
        if scope is None or scope.wrote or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            scope.wrote = True  # a transaction is open on the primary: it may have written
            return DEFAULT_DB_ALIAS
        if scope.usable is None:
            scope.usable = replica_usable()
        if not scope.usable:
            return DEFAULT_DB_ALIAS
        scope.used = True
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        if (scope := _scope.get()) is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read from one may refer to the other's.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A replica replays the primary's migrations; it cannot run any itself.
        return False if db == REPLICA else None
