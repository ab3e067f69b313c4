"""Which catalog variant a merchant's row sells: the one hook to switch to the catalog's matcher.

Today: the exact GTIN (EAN, UPC, ISBN-13; normalised by :func:`galerie.core.identifiers.clean_gtin`).
A row without a match becomes a product proposal for the operator. When
``galerie.catalog.matching`` lands (GTIN, then brand + normalised title + key attributes, with a
review queue), :func:`_match_product` is the only function to change (docs/merchant-formats.md).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from galerie.catalog.models import Variant
from galerie.core.identifiers import clean_gtin
from galerie.offers.formats.records import MerchantProduct, MerchantVariant


def _gtin_or_empty(value: str) -> str:
    try:
        return clean_gtin(value) if value else ""
    except ValidationError:
        return ""


def _match_product(rows: list[tuple[MerchantProduct, MerchantVariant]]) -> list[Variant | None]:
    """Return the catalog variant each (product, variant) row sells, or None: a proposal then.

    One query for the whole file (the GTINs, in chunks), never one per row.
    """
    gtins = [_gtin_or_empty(variant.gtin) for _product, variant in rows]
    wanted = sorted({g for g in gtins if g})
    found: dict[str, Variant] = {}
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        for variant in Variant.objects.filter(gtin__in=chunk).only("id", "gtin", "product_id"):
            found[variant.gtin or ""] = variant
    return [found.get(g) if g else None for g in gtins]
