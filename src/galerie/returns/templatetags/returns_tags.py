"""Template helpers of the partials that shared pages include (one line each)."""

from __future__ import annotations

from typing import Any

from django import template

from galerie.orders.models import SellerOrder
from galerie.returns.models import Return
from galerie.returns.selectors import part_returns_for_member, returns_open_count

register = template.Library()


@register.filter
def part_of(returns_ctx: dict[int, Any] | None, part_id: int) -> Any:
    """``returns_ctx|part_of:so.pk``: one seller order's entry of ``order_returns``."""
    return (returns_ctx or {}).get(part_id)


@register.simple_tag
def part_returns(seller_order: SellerOrder) -> list[Return]:
    """The returns of a seller order the page already scoped to its seller."""
    return part_returns_for_member(seller_order=seller_order)


@register.simple_tag
def open_returns(seller_id: int) -> int:
    return returns_open_count(seller_id=seller_id)
