"""Which catalog variant a merchant's row sells: the one hook onto the catalog's matcher.

:func:`_match_product` asks :func:`galerie.catalog.matching.products_match` (GTIN/ISBN, then
brand + normalised title + key attributes into a score; docs/product-matching.md) and keeps its
``match`` answers that name a variant with a GTIN (the offer import finds variants by GTIN). A
``review`` (doubtful) or ``new`` answer, or a match on a product without naming its variant, is
None: the row becomes a product proposal, which the operator sees beside the catalog's
look-alikes (docs/merchant-formats.md).
"""

from __future__ import annotations

from galerie.catalog.matching import ProductCandidate, products_match
from galerie.catalog.models import Variant
from galerie.offers.formats.records import MerchantProduct, MerchantVariant

MATCH_CHUNK = 5_000  # candidates per call to the matcher (a fixed number of queries each)


def _candidate(product: MerchantProduct, variant: MerchantVariant) -> ProductCandidate:
    return ProductCandidate(
        gtin=variant.gtin,
        mpn=variant.mpn,
        brand=product.brand,
        title=product.title,
        attributes={**product.attributes, **variant.options},
        category_path=tuple(product.category_path),
    )


def _match_product(rows: list[tuple[MerchantProduct, MerchantVariant]]) -> list[Variant | None]:
    """Return the catalog variant each (product, variant) row sells, or None: a proposal then."""
    matched: list[Variant | None] = []
    for start in range(0, len(rows), MATCH_CHUNK):
        chunk = rows[start : start + MATCH_CHUNK]
        for result in products_match([_candidate(product, variant) for product, variant in chunk]):
            variant = result.variant if result.decision == "match" else None
            matched.append(variant if variant is not None and variant.gtin else None)
    return matched
