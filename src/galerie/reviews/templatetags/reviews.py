"""Template helpers of the review partials included in shared pages (one include line each)."""

from __future__ import annotations

from typing import Any

from django import template

from galerie.reviews.selectors import Rating, seller_rating, seller_reviews_unanswered_count
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront

register = template.Library()


@register.filter
def review_of(reviews: dict[int, Any] | None, line_id: int) -> Any:
    """The review of an order line from ``order_reviews``'s mapping, or None."""
    return (reviews or {}).get(line_id)


@register.simple_tag
def reviews_unanswered(seller: Seller) -> int:
    """For the seller dashboard: published reviews of the seller's sales without a reply."""
    return seller_reviews_unanswered_count(seller=seller)


@register.simple_tag
def reviews_seller_rating(storefront: Storefront, seller: Seller) -> Rating | None:
    """For the seller's storefront page: its rating on this storefront."""
    return seller_rating(storefront=storefront, seller=seller)


@register.simple_tag
def star_string(stars: int) -> str:
    """★★★★☆ for 4: drawn, hidden from screen readers (the partial gives the words)."""
    stars = max(0, min(5, int(stars)))
    return "★" * stars + "☆" * (5 - stars)
