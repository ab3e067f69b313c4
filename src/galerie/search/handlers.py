"""The outbox handler that keeps the search index current (collected by the worker with
``core.delivery.handlers_autodiscover``).

It recomputes the entries the events may have changed, from the database as it is now:
running it twice, late or out of order gives the same index. It is ``batched``: the worker
hands it every search event of a claimed batch at once, so a bulk import's thousands of offer
events rebuild each product once, not once per event.
"""

from __future__ import annotations

from galerie.core.delivery import batched
from galerie.core.models import OutboxEvent
from galerie.offers.models import Offer
from galerie.search.services import search_index_products, search_reindex

OFFER_TOPICS = (
    "offer.created",
    "offer.price_changed",
    "offer.stock_changed",
    "offer.stock_taken",
    "offer.stock_released",
    "offer.status_changed",
)
PRODUCT_TOPICS = ("product.created", "variant.created")
# A seller's status or admission changed, or its offers were imported in bulk: all its products.
SELLER_TOPICS = ("seller.status_changed", "seller.admission_decided", "offer_import.applied")
# A storefront's catalog scope or status changed: its whole index.
STOREFRONT_TOPICS = ("storefront.catalog_scope_changed", "storefront.status_changed")


@batched
def search_events_index(events: list[OutboxEvent]) -> None:
    """Reindex what these events touched: products of offers, products, sellers' products, storefronts."""
    offer_ids, product_ids, seller_ids, storefront_ids = set(), set(), set(), set()
    for event in events:
        payload = event.payload
        if event.topic in OFFER_TOPICS:
            offer_ids.add(payload["offer_id"])
        elif event.topic in PRODUCT_TOPICS:
            product_ids.add(payload["product_id"])
        elif event.topic in SELLER_TOPICS:
            seller_ids.add(payload.get("seller_id", payload.get("id")))
        elif event.topic in STOREFRONT_TOPICS:
            storefront_ids.add(payload.get("storefront_id", payload.get("id")))
    if offer_ids:
        offers = Offer.objects.filter(pk__in=offer_ids).order_by()
        product_ids.update(offers.values_list("variant__product_id", flat=True).distinct())
    if seller_ids:
        offers = Offer.objects.filter(seller_id__in=seller_ids).order_by()
        product_ids.update(offers.values_list("variant__product_id", flat=True).distinct())
    if storefront_ids:
        search_reindex(storefront_ids=storefront_ids)
    if product_ids:
        search_index_products(product_ids=product_ids)


HANDLERS = {
    topic: [search_events_index]
    for topic in (*OFFER_TOPICS, *PRODUCT_TOPICS, *SELLER_TOPICS, *STOREFRONT_TOPICS)
}
