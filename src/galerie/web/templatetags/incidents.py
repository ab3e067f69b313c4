"""Template tags feeding the incidents' partial templates on shared pages (the customer's order
page, the seller's order page and dashboard): each loads what its partial shows in a fixed
number of queries, so the pages need no change beyond their include line."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from galerie.incidents.models import Incident
from galerie.incidents.rules import kinds_open
from galerie.incidents.selectors import incidents_awaiting_seller, incidents_for_order, incidents_for_seller
from galerie.incidents.services import MAX_PHOTOS
from galerie.orders.models import Order, SellerOrder

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_incidents(context: dict[str, Any], order: Order) -> list[dict[str, Any]]:
    """For each seller order of ``order``: its incidents and the kinds the customer may open now."""
    now = timezone.now()
    incidents = incidents_for_order(customer=context["request"].user, order_id=order.pk)
    parts = []
    for part in order.seller_orders.all():
        mine = [i for i in incidents if i.seller_order_id == part.pk]
        unsettled = any(i.status in Incident.UNSETTLED for i in mine)
        part.order = order  # the rules read the order's date and storefront: no query
        parts.append(
            {
                "part": part,
                "incidents": mine,
                "kinds": [] if unsettled else kinds_open(seller_order=part, now=now),
                "now": now,
            }
        )
    return parts


@register.simple_tag
def seller_order_incidents(seller_order: SellerOrder) -> list[Incident]:
    """The incidents of one seller order, newest first."""
    return list(incidents_for_seller(seller_id=seller_order.seller_id, seller_order_id=seller_order.pk))


@register.simple_tag
def seller_incidents_awaiting(seller_id: int) -> list[Incident]:
    """The seller's incidents waiting for its answer (at most 20 listed)."""
    return list(incidents_awaiting_seller(seller_id=seller_id)[:20])


@register.simple_tag
def incident_max_photos() -> int:
    return MAX_PHOTOS
