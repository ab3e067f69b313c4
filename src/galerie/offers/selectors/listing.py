"""What a storefront shows of the catalog beside its listings: one product's page and one
category's. The listings themselves are read from the search index (galerie.search.listing).
"""

from __future__ import annotations

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


def storefront_category_get(storefront: Storefront, *, slug: str) -> Category:
    """Return a category inside the storefront's scope; raise CategoryNotFound otherwise."""
    try:
        category = Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise CategoryNotFound("There is no such category.") from None
    roots = list(storefront.catalog_scope.values_list("path", flat=True))
    if roots and not any(category.path.startswith(root) for root in roots):
        raise CategoryNotFound("This category is not part of this storefront.")
    return category


def category_subtree(category: Category) -> list[Category]:
    """Return the category and every category below it, in tree order; one query."""
    return list(Category.objects.filter(path__startswith=category.path).order_by("path"))
