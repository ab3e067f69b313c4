"""Keyset pagination: ``?limit=50&after=<cursor>`` → ``{"items": [...], "next": <cursor>|null}``.

The cursor is the last row's ordering values, signed so that a client cannot forge one, and
the next page is ``WHERE (key) < (last)`` on an index: page 10,000 costs what page 1 costs (no
OFFSET, no COUNT). The ordering must end with a unique column (``id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Q, QuerySet
from ninja import Schema

from galerie.core.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 200
SALT = "galerie.api.cursor"


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = None


def _after(ordering: Sequence[str], values: list[Any]) -> Q:
    """Rows after ``values`` in ``ordering`` (each field ascending, or descending with '-')."""
    condition = Q()
    for i, name in enumerate(ordering):
        field = name.lstrip("-")
        step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": values[i]})
        for earlier, value in zip(ordering[:i], values[:i], strict=False):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


def paginate(
    queryset: QuerySet[Any], *, after: str | None, limit: int, ordering: Sequence[str] = ("-id",)
) -> tuple[list[Any], str | None]:
    """Return one page of ``queryset`` in ``ordering`` after the cursor, and the next cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput({"limit": [f"Between 1 and {MAX_LIMIT}."]})
    if after:
        try:
            values = signing.loads(after, salt=SALT)
        except signing.BadSignature:
            message = "This cursor is not one the API gave; start again without it."
            raise InvalidInput({"after": [message]}) from None
        if not isinstance(values, list) or len(values) != len(ordering):
            raise InvalidInput({"after": ["This cursor belongs to another list."]})
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset.order_by(*ordering)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    cursor = [_value(last, name.lstrip("-")) for name in ordering]
    return rows, signing.dumps(cursor, salt=SALT, compress=True)


def _value(row: Any, path: str) -> Any:
    value = row
    for part in path.split("__"):
        value = getattr(value, part)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
