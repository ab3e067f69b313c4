"""A list of integers in one column: ``integer[]``/``bigint[]`` on PostgreSQL (GIN-indexable:
``&&`` overlap, ``@>`` contains, ``unnest``), JSON text on SQLite (``json_each``).

The search index keeps each entry's facet value ids and its sellable offers in such lists
(docs/search.md, "One read model"): one row per entry, no side table to join.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class IntListField(models.Field):
    """A list of integers; ``big`` for 64-bit values (prices in minor units)."""

    description = "A list of integers"

    def __init__(self, *args: Any, big: bool = False, **kwargs: Any) -> None:
        self.big = big
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.big:
            kwargs["big"] = True
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        if connection.vendor == "postgresql":
            return "bigint[]" if self.big else "integer[]"
        return "text"

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return [int(v) for v in value]
        return json.dumps([int(v) for v in value], separators=(",", ":"))

    def value_to_string(self, obj) -> str:
        return json.dumps(self.value_from_object(obj))
