"""Reads of sellers."""

from __future__ import annotations

from galerie.core.errors import NotFound
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront


def seller_get_public(*, storefront: Storefront, slug: str) -> Seller:
    """Return an active seller admitted to the storefront; raise NotFound otherwise."""
    try:
        return Seller.objects.get(
            slug=slug,
            status=Seller.Status.ACTIVE,
            admissions__storefront=storefront,
            admissions__status=SellerAdmission.Status.ADMITTED,
        )
    except Seller.DoesNotExist:
        raise NotFound("There is no such seller on this storefront.") from None
