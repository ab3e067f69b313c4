"""The outbox handler that keeps the search index current (collected by the worker with
``core.delivery.handlers_autodiscover``).

It recomputes the entries the events may have changed, from the database as it is now:
running it twice, late or out of order gives the same index. It is ``batched``: the worker
hands it every search event of a claimed batch at once, so a bulk import's thousands of offer
events rebuild each product once, not once per event.
"""

from __future__ import annotations

from galerie.catalog.models import Category, Product
from galerie.core import surrogates
from galerie.core.delivery import batched
from galerie.core.models import OutboxEvent
from galerie.offers.models import Offer
from galerie.search.services import search_index_products, search_reindex
from galerie.storefronts.selectors import storefronts_public

OFFER_TOPICS = (
    "offer.created",
    "offer.price_changed",
    "offer.stock_changed",
    "offer.stock_taken",
    "offer.stock_released",
    "offer.status_changed",
)
PRODUCT_TOPICS = ("product.created", "variant.created")
# A product, its variants or images edited (in the admin): its entries, and its pages redrawn.
EDIT_TOPICS = ("product.updated", "product.deleted", "brand.updated", "category.updated")
# A seller's status or admission changed, or its offers were imported in bulk: all its products.
SELLER_TOPICS = ("seller.status_changed", "seller.admission_decided", "offer_import.applied")
# A seller's shop edited: its products if the shipping (the prices with shipping) or its name changed.
SHOP_TOPICS = ("seller.shop_updated",)
SHOP_FIELDS = {"shipping_profile", "display_name"}
# A storefront's catalog scope or status changed: its whole index.
STOREFRONT_TOPICS = ("storefront.catalog_scope_changed", "storefront.status_changed")
VISIBLE_STATUSES = {"open", "closing"}


@batched
def search_events_index(events: list[OutboxEvent]) -> None:
    """Reindex what these events touched: products of offers, products, sellers' products, storefronts."""
    offer_ids, product_ids, seller_ids, storefront_ids = set(), set(), set(), set()
    edited: set[int] = set()  # products whose pages show something else even if their entries do not
    brand_ids, category_ids, deleted = set(), set(), False
    for event in events:
        payload = event.payload
        if event.topic in OFFER_TOPICS:
            offer_ids.add(payload["offer_id"])
        elif event.topic in PRODUCT_TOPICS:
            product_ids.add(payload["product_id"])
        elif event.topic in ("product.updated", "product.deleted"):
            edited.add(payload["product_id"])
            deleted = deleted or event.topic == "product.deleted"
        elif event.topic == "brand.updated":
            brand_ids.add(payload["brand_id"])
        elif event.topic == "category.updated":
            category_ids.add(payload["category_id"])
        elif event.topic in SELLER_TOPICS:
            seller_ids.add(payload.get("seller_id", payload.get("id")))
        elif event.topic in SHOP_TOPICS and SHOP_FIELDS & set(payload.get("fields", ())):
            seller_ids.add(payload["seller_id"])
        elif event.topic in STOREFRONT_TOPICS:
            if {payload.get("from_status"), payload.get("to_status")} <= VISIBLE_STATUSES:
                continue  # open <-> closing: the same entries (listings stop at the date, not here)
            storefront_ids.add(payload.get("storefront_id", payload.get("id")))
    if offer_ids:
        offers = Offer.objects.filter(pk__in=offer_ids).order_by()
        product_ids.update(offers.values_list("variant__product_id", flat=True).distinct())
    if seller_ids:
        offers = Offer.objects.filter(seller_id__in=seller_ids).order_by()
        product_ids.update(offers.values_list("variant__product_id", flat=True).distinct())
    if brand_ids:
        edited.update(Product.objects.filter(brand_id__in=brand_ids).values_list("pk", flat=True))
    for category in Category.objects.filter(pk__in=category_ids):
        below = Product.objects.filter(category__path__startswith=category.path)
        edited.update(below.values_list("pk", flat=True))
    if storefront_ids:
        search_reindex(storefront_ids=storefront_ids)
    if edited:
        search_index_products(product_ids=edited, changed=True)
    if product_ids - edited:
        search_index_products(product_ids=product_ids - edited)
    if deleted:  # its entries went with it (cascade): every listing that showed it is stale
        surrogates.bump(
            surrogates.key("listing", pk) for pk in storefronts_public().values_list("pk", flat=True)
        )


HANDLERS = {
    topic: [search_events_index]
    for topic in (
        *OFFER_TOPICS,
        *PRODUCT_TOPICS,
        *EDIT_TOPICS,
        *SELLER_TOPICS,
        *SHOP_TOPICS,
        *STOREFRONT_TOPICS,
    )
}
