"""The home page of a storefront: its departments. Its blocks (newest products, deals,
featured categories) are read from the search index (galerie.search.home).
"""

from __future__ import annotations

from galerie.catalog.models import Category
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_roots


def storefront_departments(storefront: Storefront) -> list[Category]:
    """Return the roots of the storefront's catalog scope (every root when it has none); one query."""
    return storefront_roots(storefront)
