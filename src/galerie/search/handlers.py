"""Outbox handlers that keep the search index current, listed in galerie.notifications.handlers.

Each one recomputes the entries an event may have changed, from the database as it is now:
running it twice, or late, or out of order gives the same index.
"""

from __future__ import annotations

from galerie.core.models import OutboxEvent
from galerie.offers.models import Offer
from galerie.search.services import search_index_products, search_reindex


def offer_changed(event: OutboxEvent) -> None:
    """Reindex the product of the offer whose price, stock or status changed."""
    product_ids = Offer.objects.filter(pk=event.payload["offer_id"]).values_list(
        "variant__product_id", flat=True
    )
    search_index_products(product_ids=list(product_ids))


def product_changed(event: OutboxEvent) -> None:
    """Reindex a product created or given a variant."""
    search_index_products(product_ids=[event.payload["product_id"]])


def seller_changed(event: OutboxEvent) -> None:
    """Reindex every product a seller offers: it was suspended, closed, admitted, refused, or
    its offers were imported in bulk."""
    seller_id = event.payload.get("seller_id", event.payload.get("id"))
    product_ids = Offer.objects.filter(seller_id=seller_id).values_list("variant__product_id", flat=True)
    search_index_products(product_ids=set(product_ids))


def storefront_changed(event: OutboxEvent) -> None:
    """Rebuild a storefront's index: its catalog scope or its status changed."""
    search_reindex(storefront_ids=[event.payload.get("storefront_id", event.payload.get("id"))])


OFFER_TOPICS = (
    "offer.created",
    "offer.price_changed",
    "offer.stock_changed",
    "offer.stock_taken",
    "offer.stock_released",
    "offer.status_changed",
)
HANDLERS = {
    **{topic: [offer_changed] for topic in OFFER_TOPICS},
    "product.created": [product_changed],
    "variant.created": [product_changed],
    "seller.status_changed": [seller_changed],
    "seller.admission_decided": [seller_changed],
    "offer_import.applied": [seller_changed],
    "storefront.catalog_scope_changed": [storefront_changed],
    "storefront.status_changed": [storefront_changed],
}
