"""Row locks taken in primary-key order, so that two transactions never deadlock.

On PostgreSQL these are ``SELECT … FOR UPDATE``. SQLite has no row locks: there the
IMMEDIATE transaction mode serialises writers for the whole transaction instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def lock_rows(queryset: models.QuerySet[M], pks: Iterable[int]) -> dict[int, M]:
    """Lock the rows with these primary keys, lowest first; return them by primary key.

    Must run inside ``transaction.atomic``. Rows that do not exist are simply absent.
    """
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_rows() must be called inside transaction.atomic()")
    ordered = sorted(set(pks))
    rows = queryset.select_for_update().filter(pk__in=ordered).order_by("pk")
    return {row.pk: row for row in rows}


def lock_row(queryset: models.QuerySet[M], pk: int) -> M:
    """Lock one row and return it; raise ``queryset.model.DoesNotExist`` if it is absent."""
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock_row() must be called inside transaction.atomic()")
    return queryset.select_for_update().get(pk=pk)
