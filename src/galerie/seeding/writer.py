"""Bulk row writer for the seed: COPY on PostgreSQL, batched INSERTs elsewhere.

The generator hands it plain tuples with explicit primary keys, so that rows can refer to
each other without a round trip; buffers are flushed in foreign-key order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connection, models


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a Python value of this field becomes a value the backend takes in bulk."""
    if isinstance(field, models.JSONField):
        return lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if connection.vendor == "postgresql":
        return None
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.UUIDField):
        return lambda value: value.hex if isinstance(value, uuid.UUID) else value
    return None


class Table:
    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        # Concrete columns only: no reverse relation or generic foreign key is ever listed.
        self.fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in columns]
        self.columns: list[str] = [field.column for field in self.fields]
        self.converters = [(i, c) for i, field in enumerate(self.fields) if (c := _converter(field))]
        self.rows: list[tuple] = []
        self.written = 0


class BulkWriter:
    """Collect rows per table and write them in batches, parents before children."""

    def __init__(self, batch_size: int = 20_000, on_flush: Callable[[str, int], None] | None = None) -> None:
        self.batch_size = batch_size
        self.tables: dict[type[models.Model], Table] = {}
        self.on_flush = on_flush
        self.next_ids: dict[type[models.Model], int] = {}

    def table(self, model: type[models.Model], columns: Sequence[str]) -> None:
        """Declare a table and its columns; declare parents before children."""
        self.tables[model] = Table(model, columns)

    def next_id(self, model: type[models.Model]) -> int:
        """Return a new primary key for ``model``, after any row already in the database."""
        if model not in self.next_ids:
            latest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            self.next_ids[model] = (latest or 0) + 1
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value

    def add(self, model: type[models.Model], row: tuple) -> None:
        table = self.tables[model]
        table.rows.append(row)
        if len(table.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        for table in self.tables.values():
            if table.rows:
                self._write(table)

    @property
    def rows_written(self) -> int:
        return sum(table.written for table in self.tables.values())

    def _write(self, table: Table) -> None:
        rows: Sequence[Sequence[Any]] = table.rows
        if table.converters:
            converted = []
            for row in rows:
                values = list(row)
                for index, convert in table.converters:
                    if values[index] is not None:
                        values[index] = convert(values[index])
                converted.append(values)
            rows = converted
        quoted = connection.ops.quote_name
        name = quoted(table.model._meta.db_table)
        columns = ", ".join(quoted(column) for column in table.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
        table.written += len(table.rows)
        if self.on_flush:
            self.on_flush(table.model._meta.label, len(table.rows))
        table.rows = []

    def finish(self) -> None:
        """Write what is left and move PostgreSQL's id sequences past the explicit keys."""
        self.flush()
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in self.tables:
                table = model._meta.db_table
                pk = model._meta.pk.column
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({pk}), 1)) FROM {table}",
                    [table, pk],
                )
