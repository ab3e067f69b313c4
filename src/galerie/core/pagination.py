"""A paginator for tables of millions of rows: estimated counts instead of full scans."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

EXACT_BELOW = 100_000


# Paginator is generic only in the stubs: subscripting it at run time needs django-stubs-ext.
class EstimatedCountPaginator(Paginator):  # type: ignore[type-arg]
    """On PostgreSQL, count an unfiltered table from the planner's statistics.

    ``SELECT count(*)`` on a million-row table reads the whole table; the admin only needs
    the number of pages. A filtered list, SQLite, or a small table still gets the exact count.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if (
            isinstance(queryset, QuerySet)
            and not queryset.query.where
            and connections[queryset.db].vendor == "postgresql"
        ):
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= EXACT_BELOW:
                return int(row[0])
        return super().count
