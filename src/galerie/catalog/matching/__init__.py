"""Matching incoming products, sellers and customers against what Galerie already has.

The public API (docs/product-matching.md)::

    from galerie.catalog.matching import ProductCandidate, products_match
    results = products_match([ProductCandidate(gtin="978-2-07-036822-8", title="…", brand="…")])
    results[0].decision   # "match" | "review" | "new"; .product, .variant, .score (0–1000), .reasons

    match_reviews_create(batch="bundle:topachat-2026-12", results=list(zip(candidates, results)))
    match_review_decide(review_id=…, accept=True, by=operator)   # or match_review_undo
    match_batch_commit(batch="bundle:topachat-2026-12", by=operator)  # freezes the decisions

    seller_match(registration_number="40303265045107", vat_number="FR40303265045")  # "confirm" | "new"
    customer_match(email="ann@example.org")                                        # "confirm" | "new"
"""

from galerie.catalog.matching.normalise import brand_key, identifier_key, title_key
from galerie.catalog.matching.parties import CustomerMatch, SellerMatch, customer_match, seller_match
from galerie.catalog.matching.products import (
    MatchResult,
    ProductCandidate,
    Reason,
    product_match,
    products_match,
)
from galerie.catalog.matching.reviews import (
    MatchBatchCommitted,
    MatchBatchUndecided,
    MatchReviewNotFound,
    match_batch_commit,
    match_review_decide,
    match_review_undo,
    match_reviews_create,
    match_reviews_queue,
)

__all__ = [
    "CustomerMatch",
    "MatchBatchCommitted",
    "MatchBatchUndecided",
    "MatchResult",
    "MatchReviewNotFound",
    "ProductCandidate",
    "Reason",
    "SellerMatch",
    "brand_key",
    "customer_match",
    "identifier_key",
    "match_batch_commit",
    "match_review_decide",
    "match_review_undo",
    "match_reviews_create",
    "match_reviews_queue",
    "product_match",
    "products_match",
    "seller_match",
    "title_key",
]
