"""A few orders in the demo, so the demo seller's dashboard and order list are not empty.

They go through the real checkout (cart, stock reservation, the test gateway's card 4242…), so
they are ordinary orders: e-mails, ledger postings and all. Only ``galerie demo`` makes them.
"""

from __future__ import annotations

import uuid
from typing import Any

from galerie.cart.services import cart_add
from galerie.checkout.services import checkout_place_order
from galerie.offers.models import Offer
from galerie.orders.delivery import seller_order_confirm_receipt
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_ship
from galerie.sellers.models import Seller

CARD: dict[str, Any] = {
    "type": "card",
    "number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2035,
    "cvc": "123",
}
ADDRESS = {
    "name": "Camille Dupont",
    "line1": "14 avenue Jean Jaurès",
    "postal_code": "75019",
    "city": "Paris",
    "country": "FR",
}


def demo_orders_create(*, seller: Seller, customer, owner, count: int = 4) -> int:
    """Place ``count`` orders of the seller's offers for the customer, unless it has orders already;
    accept one, ship another and deliver a third. Return how many orders were placed."""
    if SellerOrder.objects.filter(seller=seller).exists():
        return 0
    offers = list(
        Offer.objects.filter(seller=seller, status=Offer.Status.ACTIVE, stock__gte=2)
        .select_related("seller")
        .prefetch_related("seller__admissions")
        .order_by("pk")[:count]
    )
    placed: list[SellerOrder] = []
    for offer in offers:
        admission = offer.seller.admissions.filter(status="admitted").select_related("storefront").first()
        if admission is None:
            continue
        cart = cart_add(storefront=admission.storefront, cart=None, customer=customer, offer_id=offer.pk)
        outcome = checkout_place_order(
            storefront=admission.storefront,
            cart=cart,
            customer=customer,
            address=ADDRESS,
            payment_method={**CARD, "holder": ADDRESS["name"]},
            idempotency_key=f"demo-{uuid.uuid4().hex}",
            return_url="http://127.0.0.1:8000/",
        )
        if outcome.status == "completed" and outcome.order is not None:
            placed.append(outcome.order.seller_orders.get(seller=seller))
    if len(placed) >= 2:
        seller_order_accept(seller_order_id=placed[0].pk, acting_user=owner)
        seller_order_accept(seller_order_id=placed[1].pk, acting_user=owner)
        seller_order_ship(
            seller_order_id=placed[1].pk,
            acting_user=owner,
            carrier="Colissimo",
            tracking_number="6A12345678901",
        )
    if len(placed) >= 3:  # one delivered, the customer having confirmed receipt
        seller_order_accept(seller_order_id=placed[2].pk, acting_user=owner)
        seller_order_ship(
            seller_order_id=placed[2].pk,
            acting_user=owner,
            carrier="Colissimo",
            tracking_number="6A12345678902",
        )
        seller_order_confirm_receipt(seller_order_id=placed[2].pk, customer=customer)
    return len(placed)
