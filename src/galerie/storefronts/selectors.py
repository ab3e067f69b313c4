"""Reads of storefronts."""

from __future__ import annotations

from functools import cache as memoize

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet

from galerie.catalog.models import Category
from galerie.storefronts.errors import StorefrontClosed, StorefrontNotFound
from galerie.storefronts.models import Storefront, StorefrontHost

HOST_CACHE_KEY = "storefront-host:{host}"
HOST_CACHE_SECONDS = 300
VISIBLE = (Storefront.Status.OPEN, Storefront.Status.CLOSING)
# A closed storefront's host still routes to it: its pages answer 410 with a notice
# (docs/storefront-closure.md).
ROUTED = (*VISIBLE, Storefront.Status.CLOSED)


def storefronts_public() -> QuerySet[Storefront]:
    """Return the storefronts customers can visit (open, or closing but still serving orders)."""
    return Storefront.objects.filter(status__in=VISIBLE).prefetch_related("hosts").order_by("name")


def storefronts_selling_others(storefront: Storefront) -> list[Storefront]:
    """Return the operator's other storefronts that take orders today (open, or closing before
    their date), by name, with their hosts: where a closing or closed storefront sends customers."""
    from galerie.storefronts.closure import sells_on

    others = storefronts_public().exclude(pk=storefront.pk)
    return [other for other in others if sells_on(other)]


def storefront_id_for_host(host: str) -> int | None:
    """Return the id of the storefront a host name routes to (open, closing or closed), cached;
    None if none does."""
    host = host.lower().rstrip(".")
    key = HOST_CACHE_KEY.format(host=host)
    cached = cache.get(key)
    if cached is None:
        cached = (
            StorefrontHost.objects.filter(host=host, storefront__status__in=ROUTED)
            .values_list("storefront_id", flat=True)
            .first()
        ) or 0
        cache.set(key, cached, HOST_CACHE_SECONDS)
    return cached or None


def storefront_get_public(*, code: str | None = None, storefront_id: int | None = None) -> Storefront:
    """Return a visible storefront by code or id; raise StorefrontClosed (a StorefrontNotFound
    carrying it) for a closed one, StorefrontNotFound otherwise.

    Every storefront page starts here: plain SQL, which the ORM took longer to build than
    PostgreSQL to run (docs/performance.md).
    """
    column, value = ("code", code) if code is not None else ("id", storefront_id)
    table = connection.ops.quote_name(Storefront._meta.db_table)
    found = list(
        Storefront.objects.raw(
            f"SELECT * FROM {table} WHERE {column} = %s AND status IN (%s, %s)", [value, *VISIBLE]
        )
    )
    if not found:
        closed = Storefront.objects.filter(**{column: value}, status=Storefront.Status.CLOSED).first()
        if closed is not None:
            raise StorefrontClosed(f"{closed.name} is closed.", storefront=closed)
        raise StorefrontNotFound("There is no such storefront, or it is not open.")
    return found[0]


def storefront_scope_filter(storefront: Storefront, *, prefix: str = "") -> Q:
    """Return a Q on ``<prefix>category__path`` that keeps the storefront's category subtrees.

    One indexed prefix match per scope root; an empty scope keeps the whole catalog.
    """
    paths = list(storefront.catalog_scope.values_list("path", flat=True))
    if not paths:
        return Q()
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{prefix}category__path__startswith": path})
    return condition


def _categories(sql: str, params: list) -> list[Category]:
    """Category instances from plain SQL that selects ``c.*`` in the model's column order."""
    names = [f.attname for f in Category._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Category.from_db(connection.alias, names, row) for row in cursor.fetchall()]


@memoize
def _category_columns() -> str:
    return ", ".join(f"c.{connection.ops.quote_name(f.column)}" for f in Category._meta.concrete_fields)


def storefront_roots(storefront: Storefront) -> list[Category]:
    """Return the roots of the storefront's catalog scope in tree order (every root of the
    catalog when it has none); one plain SQL query, two when the scope is empty.

    Every home page reads them twice (departments, featured categories): plain SQL, which the
    ORM took longer to build than the database to run (docs/performance.md).
    """
    category = connection.ops.quote_name(Category._meta.db_table)
    scope = connection.ops.quote_name(Storefront._meta.get_field("catalog_scope").m2m_db_table())
    columns = _category_columns()
    return _categories(
        f"SELECT {columns} FROM {category} c JOIN {scope} s ON s.category_id = c.id"
        " WHERE s.storefront_id = %s ORDER BY c.path",
        [storefront.pk],
    ) or _categories(f"SELECT {columns} FROM {category} c WHERE c.depth = 1 ORDER BY c.path", [])


def storefront_top_categories(storefront: Storefront) -> list[Category]:
    """Return the categories a storefront's navigation starts from: the children of its scope
    roots (the roots themselves when they have none); two plain SQL queries."""
    roots = storefront_roots(storefront)
    parents = [root for root in roots if root.numchild]
    children = []
    if parents:
        # The children of a root: its path and one step more (treebeard's alphabet holds no
        # LIKE wildcard).
        below = " OR ".join(["(c.path LIKE %s AND c.depth = %s)"] * len(parents))
        children = _categories(
            f"SELECT {_category_columns()} FROM {connection.ops.quote_name(Category._meta.db_table)} c"
            f" WHERE {below} ORDER BY c.path",
            [value for root in parents for value in (f"{root.path}%", root.depth + 1)],
        )
    return children + [root for root in roots if not root.numchild]
