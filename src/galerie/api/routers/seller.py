"""The seller API: a seller's systems with a key from /sell/tokens/, within the key's role."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from galerie.api.auth import seller_key
from galerie.api.routers import (
    seller_incidents,
    seller_messages,
    seller_money,
    seller_offers,
    seller_orders,
    seller_returns,
    webhooks,
)
from galerie.api.routers.seller_caller import caller
from galerie.api.schemas import replies

router = Router(auth=seller_key, tags=["seller"])
router.add_router("/webhooks", webhooks.seller_router)


class SellerOut(Schema):
    id: int
    name: str
    status: str
    role: str
    permissions: list[str]


@router.get("/me", response=replies(SellerOut), summary="The seller and role of this key")
def me(request: HttpRequest) -> dict[str, object]:
    who = caller(request)
    return {
        "id": who.seller.pk,
        "name": who.seller.display_name,
        "status": who.seller.status,
        "role": who.token.role,
        "permissions": sorted(p.value for p in who.perms),
    }


router.add_router("/offers", seller_offers.router)
router.add_router("/orders", seller_orders.router)
router.add_router("/orders", seller_messages.orders_router)
router.add_router("/returns", seller_returns.router)
router.add_router("/incidents", seller_incidents.router)
router.add_router("/threads", seller_messages.router)
router.add_router("/money", seller_money.router)
