"""Matching incoming products against the catalog (sellers and customers: galerie.sellers.matching).

The public API (docs/product-matching.md)::

    from galerie.catalog.matching import ProductCandidate, products_match
    results = products_match([ProductCandidate(gtin="978-2-07-036822-8", title="…", brand="…")])
    results[0].decision   # "match" | "review" | "new"; .product, .variant, .score (0–1000), .reasons

    match_reviews_create(batch="bundle:topachat-2026-12", results=list(zip(candidates, results)))
    match_review_decide(review_id=…, accept=True, by=operator)   # or match_review_undo
    match_batch_commit(batch="bundle:topachat-2026-12", by=operator)  # freezes the decisions
    match_batch_applier_register("offers-import:", applier)  # in the caller's AppConfig.ready()
    match_batch_apply(batch="offers-import:42", by=operator)  # commits, then calls the applier
"""

from galerie.catalog.matching.normalise import brand_key, identifier_key, title_key
from galerie.catalog.matching.products import (
    MatchResult,
    ProductCandidate,
    Reason,
    product_match,
    products_match,
)
from galerie.catalog.matching.reviews import (
    MatchBatchApplier,
    MatchBatchCommitted,
    MatchBatchUndecided,
    MatchReviewNotFound,
    match_batch_applier,
    match_batch_applier_register,
    match_batch_apply,
    match_batch_commit,
    match_batches_to_commit,
    match_review_decide,
    match_review_undo,
    match_reviews_create,
    match_reviews_queue,
)

__all__ = [
    "MatchBatchApplier",
    "MatchBatchCommitted",
    "MatchBatchUndecided",
    "MatchResult",
    "MatchReviewNotFound",
    "ProductCandidate",
    "Reason",
    "brand_key",
    "identifier_key",
    "match_batch_applier",
    "match_batch_applier_register",
    "match_batch_apply",
    "match_batch_commit",
    "match_batches_to_commit",
    "match_review_decide",
    "match_review_undo",
    "match_reviews_create",
    "match_reviews_queue",
    "product_match",
    "products_match",
    "title_key",
]
