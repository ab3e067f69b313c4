"""Reads of the catalog for the operator's tools."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import Product


def product_get_by_key(*, key: str) -> Product:
    """Return the product whose slug or uuid is ``key``; raise ProductNotFound naming it."""
    key = (key or "").strip()
    product = Product.objects.filter(slug=key).first()
    if product is None:
        try:
            product = Product.objects.filter(uuid=uuid.UUID(key)).first()
        except ValueError:
            product = None
    if product is None:
        raise ProductNotFound(_("There is no product with the slug or uuid “%(key)s”.") % {"key": key})
    return product
