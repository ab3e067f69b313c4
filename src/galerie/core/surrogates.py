"""Surrogate keys: what a cached page is made of, and how a change makes it stale.

A cached page records the keys it depends on (``product:12``, ``variant:40``, ``seller:7``,
``storefront:3``, ``listing:3``) with each key's version when it was rendered. A change bumps
the versions of the keys it touches; a cached page whose recorded versions differ from the
current ones is stale and is rendered again. Versions live in the default cache (Redis in
production, shared by every process) without expiry; a version that was evicted reads as
``None``, which differs from whatever the page recorded: eviction costs a render, never a
stale page.

Every outbox event bumps, once its transaction commits, the keys of the entities its payload
names (``storefront_id``, ``product_id``, ``variant_id``, ``seller_id``): :func:`keys_of`.
Read models that the worker maintains (the search index) bump ``listing:<storefront id>``
themselves, after their own commit, so that a listing is never cached from an index that
has not caught up yet.

A version carries the time of its bump (``<milliseconds, hex>.<random>``): a page whose render
started before one of its keys was bumped may hold the data of before the change with the
version of after it, and must not be stored (:func:`bumped_at`). A version given to a key that
was never bumped (:func:`versions_initialised`) has time 0.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache import cache
from django.db import transaction

PREFIX = "surrogate:"
# Payload fields that name an entity a page can show, and the key family of each.
KEY_FIELDS = {
    "storefront_id": "storefront",
    "product_id": "product",
    "variant_id": "variant",
    "seller_id": "seller",
}
_PENDING = "_galerie_surrogates_pending"


def key(family: str, pk: object) -> str:
    """Return the surrogate key of one entity: ``key("product", 12) == "product:12"``."""
    return f"{family}:{pk}"


def keys_of(payload: Mapping[str, Any]) -> set[str]:
    """Return the keys of the entities an event's payload names (ids, or lists of ids)."""
    found: set[str] = set()
    for field, family in KEY_FIELDS.items():
        value = payload.get(field)
        if value is None:
            continue
        for pk in value if isinstance(value, list | tuple) else (value,):
            if pk is not None:
                found.add(key(family, pk))
    return found


def versions(keys: Iterable[str]) -> dict[str, str | None]:
    """Return the current version of each key (``None``: never bumped, or evicted)."""
    wanted = sorted(set(keys))
    found = cache.get_many([PREFIX + k for k in wanted])
    return {k: found.get(PREFIX + k) for k in wanted}


def versions_initialised(keys: Iterable[str]) -> dict[str, str]:
    """Return the current version of each key, first giving one (of time 0) to a key that has
    none: a page recorded with it goes stale at the key's next bump, even after an eviction."""
    found = versions(keys)
    missing = [k for k, v in found.items() if v is None]
    for k in missing:
        cache.add(PREFIX + k, f"0.{uuid.uuid4().hex[:12]}", timeout=None)  # a bump that won keeps its own
    if missing:
        found.update(versions(missing))
    return {k: v or "" for k, v in found.items()}


def bumped_at(version: str | None) -> float:
    """Return when this version was made by :func:`bump`, in seconds since the epoch (0: never)."""
    stamp, dot, _ = (version or "").partition(".")
    try:
        return int(stamp, 16) / 1000 if dot else 0.0
    except ValueError:
        return 0.0


def bump(keys: Iterable[str]) -> None:
    """Give these keys new versions now: every page recorded with the old ones is stale."""
    wanted = set(keys)
    if wanted:
        token = f"{time.time_ns() // 1_000_000:x}.{uuid.uuid4().hex[:12]}"
        cache.set_many({PREFIX + k: token for k in wanted}, timeout=None)


class _Pending:
    """The keys bumped by one transaction, flushed once when it commits."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def flush(self) -> None:
        connection = transaction.get_connection()
        if getattr(connection, _PENDING, None) is self:
            setattr(connection, _PENDING, None)
        bump(self.keys)


def bump_on_commit(keys: Iterable[str]) -> None:
    """Bump these keys when the current transaction commits (now, outside one); one cache
    write per transaction however many events it emits; nothing if it rolls back."""
    wanted = set(keys)
    if not wanted:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump(wanted)
        return
    pending = getattr(connection, _PENDING, None)
    # A rolled-back savepoint drops its callbacks: register again if ours is gone.
    if pending is None or not any(func == pending.flush for _sids, func, _robust in connection.run_on_commit):
        pending = _Pending()
        setattr(connection, _PENDING, pending)
        transaction.on_commit(pending.flush)
    pending.keys |= wanted
