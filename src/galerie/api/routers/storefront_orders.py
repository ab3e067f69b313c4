"""A signed-in customer's orders on a storefront: a keyset list, and one order with its seller
orders, lines, parcels and tracking. Only the caller's own: another customer's order is a 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from galerie.api.auth import CustomerCaller, customer_auth
from galerie.api.pagination import Page, paginate
from galerie.api.routers.storefront_common import visible_storefront
from galerie.api.schemas import Money, money, replies
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import Order
from galerie.orders.selectors import order_get_for_customer, orders_for_customer

router = Router(auth=customer_auth, tags=["storefront"])


def customer(request: HttpRequest) -> CustomerCaller:
    auth = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, CustomerCaller)
    return auth


class OrderSummaryOut(Schema):
    id: uuid.UUID = Field(description="The order's id in this API (order_id).")
    number: str
    status: str
    placed_at: datetime
    total: Money
    sellers: int = Field(description="How many seller orders it split into.")


class OrderLineOut(Schema):
    product: str = Field(description="The product's title when ordered.")
    variant: str
    condition: str
    quantity: int
    unit_price: Money
    total: Money
    vat_rate_bp: int
    vat: Money


class ParcelLineOut(Schema):
    product: str
    quantity: int


class CustomerParcelOut(Schema):
    number: int
    carrier: str
    tracking_number: str
    shipped_at: datetime
    delivered_at: datetime | None
    lines: list[ParcelLineOut]


class SellerOrderOut(Schema):
    number: str
    seller: str
    status: str
    items: Money
    shipping: Money
    total: Money
    refunded: Money
    delivery_days: dict[str, int] = Field(description='{"min": …, "max": …} days from the order.')
    lines: list[OrderLineOut]
    parcels: list[CustomerParcelOut]


class AddressOut(Schema):
    name: str
    line1: str
    line2: str
    postal_code: str
    city: str
    country: str


class OrderOut(OrderSummaryOut):
    items: Money
    shipping: Money
    vat: Money
    address: AddressOut
    payment_status: str | None
    seller_orders: list[SellerOrderOut]


def order_summary(order: Order, sellers: int) -> dict[str, Any]:
    return {
        "id": order.uuid,
        "number": order.number,
        "status": order.status,
        "placed_at": order.placed_at,
        "total": money(order.total_minor, order.currency),
        "sellers": sellers,
    }


def order_detail(order: Order) -> dict[str, Any]:
    """An order read by order_get_for_customer (its seller orders, lines and parcels prefetched)."""
    c = order.currency
    parts = list(order.seller_orders.all())
    titles: dict[int, str] = {}
    seller_orders = []
    for part in parts:
        lines = list(part.lines.all())
        titles.update((line.pk, line.product_title) for line in lines)
        seller_orders.append(
            {
                "number": part.number,
                "seller": part.seller.display_name,
                "status": part.status,
                "items": money(part.items_minor, c),
                "shipping": money(part.shipping_minor, c),
                "total": money(part.total_minor, c),
                "refunded": money(part.refunded_minor, c),
                "delivery_days": {"min": part.delivery_days_min, "max": part.delivery_days_max},
                "lines": [
                    {
                        "product": line.product_title,
                        "variant": line.variant_name,
                        "condition": line.condition,
                        "quantity": line.quantity,
                        "unit_price": money(line.unit_price_minor, c),
                        "total": money(line.total_minor, c),
                        "vat_rate_bp": line.vat_rate_bp,
                        "vat": money(line.vat_minor, c),
                    }
                    for line in lines
                ],
                "parcels": [
                    {
                        "number": parcel.number,
                        "carrier": parcel.carrier,
                        "tracking_number": parcel.tracking_number,
                        "shipped_at": parcel.shipped_at,
                        "delivered_at": parcel.delivered_at,
                        "lines": [
                            {"product": titles.get(pl.order_line_id, ""), "quantity": pl.quantity}
                            for pl in parcel.lines.all()
                        ],
                    }
                    for parcel in part.shipments.all()
                ],
            }
        )
    payment = getattr(order, "payment", None)
    return {
        **order_summary(order, len(parts)),
        "items": money(order.items_minor, c),
        "shipping": money(order.shipping_minor, c),
        "vat": money(order.vat_minor, c),
        "address": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "postal_code": order.ship_postal_code,
            "city": order.ship_city,
            "country": order.ship_country,
        },
        "payment_status": payment.status if payment is not None else None,
        "seller_orders": seller_orders,
    }


@router.get(
    "/{code}/orders",
    response=replies(Page[OrderSummaryOut]),
    summary="The caller's orders on this storefront, newest first (keyset pages)",
)
def orders(request: HttpRequest, code: str, limit: int = 50, after: str | None = None) -> dict[str, Any]:
    storefront = visible_storefront(code)
    rows, following = paginate(
        orders_for_customer(customer=customer(request).user, storefront=storefront).prefetch_related(
            "seller_orders"
        ),
        after=after,
        limit=limit,
    )
    return {"items": [order_summary(o, len(o.seller_orders.all())) for o in rows], "next": following}


def order_of(request: HttpRequest, storefront: Any, order_id: uuid.UUID) -> Order:
    """The caller's order ``order_id`` on the storefront, or OrderNotFound (another's too)."""
    user = customer(request).user
    number = (
        orders_for_customer(customer=user, storefront=storefront)
        .filter(uuid=order_id)
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        raise OrderNotFound("There is no such order in your account.", field="order_id")
    return order_get_for_customer(customer=user, number=number, storefront=storefront)


@router.get(
    "/{code}/orders/{order_id}",
    response=replies(OrderOut),
    summary="One of the caller's orders: its seller orders, lines, parcels and tracking",
)
def order(request: HttpRequest, code: str, order_id: uuid.UUID) -> dict[str, Any]:
    storefront = visible_storefront(code)
    return order_detail(order_of(request, storefront, order_id))
