"""Which catalog variant a merchant's row sells: the one hook onto the catalog's matcher.

:func:`_match_product` asks :func:`galerie.catalog.matching.products_match` (GTIN/ISBN, then
brand + normalised title + key attributes into a score; docs/product-matching.md) and answers,
for each row, one :class:`RowMatch`:

- a ``match`` that names a variant with a GTIN (the offer import finds variants by GTIN): that
  variant, the row becomes an offer row;
- a ``review`` (doubtful) answer: ``review`` is set, the row waits in the operator's match queue
  (``catalog.MatchReview``, batch ``offers-import:<id>``) and is applied when the batch is
  committed (:mod:`galerie.offers.formats.reviews`);
- a ``new`` answer, or a match on a product without naming its variant: neither, the row becomes
  a product proposal (docs/merchant-formats.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from galerie.catalog.matching import MatchResult, ProductCandidate, products_match
from galerie.catalog.models import Variant
from galerie.offers.formats.records import MerchantProduct, MerchantVariant

MATCH_CHUNK = 5_000  # candidates per call to the matcher (a fixed number of queries each)


@dataclass(frozen=True)
class RowMatch:
    """What the matcher said of one row: the variant it sells, or whether it waits for review."""

    candidate: ProductCandidate
    result: MatchResult
    variant: Variant | None = None  # a sure match on a variant with a GTIN

    @property
    def review(self) -> bool:
        return self.variant is None and self.result.decision == "review"


def _candidate(product: MerchantProduct, variant: MerchantVariant) -> ProductCandidate:
    return ProductCandidate(
        gtin=variant.gtin,
        mpn=variant.mpn,
        brand=product.brand,
        title=product.title,
        attributes={**product.attributes, **variant.options},
        category_path=tuple(product.category_path),
        image_url=variant.image or (product.images[0] if product.images else ""),
    )


def _match_product(rows: list[tuple[MerchantProduct, MerchantVariant]]) -> list[RowMatch]:
    """Return, for each (product, variant) row, the catalog variant it sells or its doubtful match."""
    matched: list[RowMatch] = []
    for start in range(0, len(rows), MATCH_CHUNK):
        chunk = rows[start : start + MATCH_CHUNK]
        candidates = [_candidate(product, variant) for product, variant in chunk]
        for candidate, result in zip(candidates, products_match(candidates), strict=True):
            variant = result.variant if result.decision == "match" else None
            sure = variant if variant is not None and variant.gtin else None
            matched.append(RowMatch(candidate, result, sure))
    return matched
