"""What a storefront shows of the catalog beside its listings: one product's page and one
category's. The listings themselves are read from the search index (galerie.search.listing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection

from galerie.catalog.errors import CategoryNotFound, ProductNotFound
from galerie.catalog.models import Category, Product
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_scope_filter


def storefront_product_get(storefront: Storefront, *, slug: str) -> Product:
    """Return a published product of the storefront's scope with its type, brand, category,
    variants and images; raise ProductNotFound otherwise."""
    try:
        return (
            Product.objects.filter(storefront_scope_filter(storefront), status=Product.Status.PUBLISHED)
            .select_related("brand", "category", "product_type")
            .prefetch_related("variants", "images", "product_type__attributes")
            .get(slug=slug)
        )
    except Product.DoesNotExist:
        raise ProductNotFound("This product is not sold on this storefront.") from None


def category_subtree(category: Category) -> list[Category]:
    """Return the category and every category below it, in tree order; one query."""
    return list(Category.objects.filter(path__startswith=category.path).order_by("path"))


@dataclass(frozen=True, slots=True)
class CategoryRow:
    pk: int
    slug: str
    name: str
    description: str
    path: str
    depth: int


@dataclass(frozen=True, slots=True)
class CategoryPage:
    """A category of a storefront with what its page shows around the listing."""

    category: CategoryRow
    ancestors: list[CategoryRow]  # root first, as Category.get_ancestors()
    subtree: list[CategoryRow]  # the category and every category below it, in tree order

    @property
    def children(self) -> list[CategoryRow]:
        return [c for c in self.subtree if c.depth == self.category.depth + 1]


@cache
def _category_sql() -> tuple[str, str]:
    category = connection.ops.quote_name(Category._meta.db_table)
    scope = connection.ops.quote_name(Storefront._meta.get_field("catalog_scope").m2m_db_table())
    columns = "c.id, c.slug, c.name, c.description, c.path, c.depth"
    return (
        # In the storefront's scope: under one of its scope roots, or any when it has none.
        f"""SELECT {columns} FROM {category} c WHERE c.slug = %s
              AND (NOT EXISTS (SELECT 1 FROM {scope} s WHERE s.storefront_id = %s)
                   OR EXISTS (SELECT 1 FROM {scope} s JOIN {category} r ON r.id = s.category_id
                              WHERE s.storefront_id = %s AND c.path LIKE r.path || '%%'))""",
        # The subtree (a path prefix: treebeard's alphabet holds no LIKE wildcard) and the
        # ancestors (the path's leading steps); the IN list is appended.
        f"SELECT {columns} FROM {category} c WHERE c.path LIKE %s OR c.path IN ",
    )


def storefront_category_page_get(storefront: Storefront, *, slug: str) -> CategoryPage:
    """Return a category inside the storefront's scope with its ancestors and its subtree, in
    two plain SQL queries (the ORM's category, subtree and ``get_ancestors`` took four, and
    more CPU to build than the database to run);
    raise CategoryNotFound otherwise."""
    one, tree = _category_sql()
    with connection.cursor() as cursor:
        cursor.execute(one, [slug, storefront.pk, storefront.pk])
        found = cursor.fetchall()
        if not found:
            raise CategoryNotFound("This category is not part of this storefront.")
        category = CategoryRow(*found[0])
        step = Category.steplen
        above = [category.path[: step * depth] for depth in range(1, category.depth)] or [""]
        in_list = ", ".join(["%s"] * len(above))
        cursor.execute(f"{tree}({in_list}) ORDER BY c.path", [category.path + "%", *above])
        rows = [CategoryRow(*row) for row in cursor.fetchall()]
    return CategoryPage(
        category=category,
        ancestors=[row for row in rows if row.depth < category.depth],
        subtree=[row for row in rows if row.depth >= category.depth],
    )
