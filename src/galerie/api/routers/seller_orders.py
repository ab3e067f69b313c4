"""The seller API's orders: list, one with its lines, parcels and address, accept, refuse, ship a
parcel, mark delivered, the packing slip's contents.

Reads need ``Perm.VIEW_ORDERS``; shipping, delivering and the packing slip ``Perm.FULFIL_ORDERS``;
accepting and refusing also a deciding role (owner or manager), as in the pages. Every order is
looked up within the key's seller (``orders.selectors``): another seller's is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from galerie.api.auth import SellerCaller, seller_key
from galerie.api.pagination import Page, paginate
from galerie.api.routers.seller_caller import decider, seller_caller
from galerie.api.schemas import Money, money, replies
from galerie.orders.models import SellerOrder
from galerie.orders.selectors import lines_to_ship, seller_order_get_for_member, seller_orders_for_member
from galerie.orders.services import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_refuse,
    seller_order_ship,
)
from galerie.sellers.access import Perm

router = Router(auth=seller_key, tags=["seller: orders"])

OrderStatus = Literal["new", "accepted", "shipped", "delivered", "refused", "cancelled"]
assert set(OrderStatus.__args__) == set(SellerOrder.Status.values)  # type: ignore[attr-defined]


class OrderSummary(Schema):
    id: int
    number: str
    status: str
    storefront: str
    placed_at: datetime
    total: Money
    refunded: Money
    accepted_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None


class Address(Schema):
    name: str
    line1: str
    line2: str
    postal_code: str
    city: str
    country: str
    phone: str


class LineOut(Schema):
    id: int
    offer_id: int
    variant_id: int
    product_title: str
    variant_name: str
    condition: str
    seller_sku: str
    quantity: int
    left_to_ship: int
    unit_price: Money
    total: Money


class ParcelLine(Schema):
    order_line_id: int
    quantity: int


class ParcelOut(Schema):
    id: int
    number: int
    carrier: str
    tracking_number: str
    shipped_at: datetime
    delivered_at: datetime | None
    lines: list[ParcelLine]


class OrderDetail(OrderSummary):
    shipping: Money
    vat: Money
    refusal_reason: str
    delivery_days_min: int
    delivery_days_max: int
    ship_to: Address
    lines: list[LineOut]
    parcels: list[ParcelOut]


def summary(so: SellerOrder) -> dict[str, Any]:
    currency = so.order.currency
    return {
        "id": so.pk,
        "number": so.number,
        "status": so.status,
        "storefront": so.order.storefront.code,
        "placed_at": so.order.placed_at,
        "total": money(so.total_minor, currency),
        "refunded": money(so.refunded_minor, currency),
        "accepted_at": so.accepted_at,
        "shipped_at": so.shipped_at,
        "delivered_at": so.delivered_at,
    }


def ship_to(so: SellerOrder) -> dict[str, str]:
    order = so.order
    return {
        "name": order.ship_name,
        "line1": order.ship_line1,
        "line2": order.ship_line2,
        "postal_code": order.ship_postal_code,
        "city": order.ship_city,
        "country": order.ship_country,
        "phone": order.ship_phone,
    }


def detail(so: SellerOrder) -> dict[str, Any]:
    """An order from ``seller_order_get_for_member`` (lines and parcels prefetched: no query)."""
    currency = so.order.currency
    lines = [
        {
            "id": row.line.pk,
            "offer_id": row.line.offer_id,
            "variant_id": row.line.variant_id,
            "product_title": row.line.product_title,
            "variant_name": row.line.variant_name,
            "condition": row.line.condition,
            "seller_sku": row.line.seller_sku,
            "quantity": row.line.quantity,
            "left_to_ship": row.left,
            "unit_price": money(row.line.unit_price_minor, currency),
            "total": money(row.line.total_minor, currency),
        }
        for row in lines_to_ship(so)
    ]
    parcels = [
        {
            "id": parcel.pk,
            "number": parcel.number,
            "carrier": parcel.carrier,
            "tracking_number": parcel.tracking_number,
            "shipped_at": parcel.shipped_at,
            "delivered_at": parcel.delivered_at,
            "lines": [{"order_line_id": p.order_line_id, "quantity": p.quantity} for p in parcel.lines.all()],
        }
        for parcel in so.shipments.all()
    ]
    return {
        **summary(so),
        "shipping": money(so.shipping_minor, currency),
        "vat": money(so.vat_minor, currency),
        "refusal_reason": so.refusal_reason,
        "delivery_days_min": so.delivery_days_min,
        "delivery_days_max": so.delivery_days_max,
        "ship_to": ship_to(so),
        "lines": lines,
        "parcels": parcels,
    }


def _get(who: SellerCaller, seller_order_id: int) -> SellerOrder:
    return seller_order_get_for_member(who.user, seller_id=who.seller.pk, seller_order_id=seller_order_id)


@router.get("/", response=replies(Page[OrderSummary]), summary="The seller's orders, newest first")
def orders(
    request: HttpRequest, status: OrderStatus | None = None, limit: int = 50, after: str | None = None
) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_ORDERS)
    rows = seller_orders_for_member(who.user, seller_id=who.seller.pk)
    if status:
        rows = rows.filter(status=status)
    items, cursor = paginate(rows, after=after, limit=limit)
    return {"items": [summary(so) for so in items], "next": cursor}


@router.get("/{seller_order_id}", response=replies(OrderDetail), summary="One order: lines, parcels, address")
def order(request: HttpRequest, seller_order_id: int) -> dict[str, Any]:
    return detail(_get(seller_caller(request, Perm.VIEW_ORDERS), seller_order_id))


@router.post(
    "/{seller_order_id}/accept", response=replies(OrderDetail), summary="Accept a new order (owner, manager)"
)
def accept(request: HttpRequest, seller_order_id: int) -> dict[str, Any]:
    who = decider(request)
    so = _get(who, seller_order_id)
    seller_order_accept(seller_order_id=so.pk, acting_user=who.user)
    return detail(_get(who, seller_order_id))


class Refusal(Schema):
    reason: str = Field(min_length=1, max_length=2000, description="The customer reads it.")


@router.post(
    "/{seller_order_id}/refuse",
    response=replies(OrderDetail),
    summary="Refuse a new order with a reason; the customer is refunded for it (owner, manager)",
)
def refuse(request: HttpRequest, seller_order_id: int, payload: Refusal) -> dict[str, Any]:
    who = decider(request)
    so = _get(who, seller_order_id)
    seller_order_refuse(seller_order_id=so.pk, acting_user=who.user, reason=payload.reason)
    return detail(_get(who, seller_order_id))


class Parcel(Schema):
    carrier: str = Field(min_length=1, max_length=60)
    tracking_number: str = Field(min_length=1, max_length=60)
    lines: list[ParcelLine] | None = Field(
        None, description="What the parcel holds, per order line; none: everything not shipped yet."
    )


@router.post(
    "/{seller_order_id}/shipments",
    response=replies(OrderDetail, status=201),
    summary="Ship one parcel (all that is left, or some lines) with its carrier and tracking number",
)
def ship(request: HttpRequest, seller_order_id: int, payload: Parcel) -> Status[dict[str, Any]]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    so = _get(who, seller_order_id)
    quantities: dict[int, int] | None = None
    if payload.lines is not None:
        quantities = {}
        for line in payload.lines:
            quantities[line.order_line_id] = quantities.get(line.order_line_id, 0) + line.quantity
    seller_order_ship(
        seller_order_id=so.pk,
        acting_user=who.user,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        quantities=quantities,
    )
    return Status(201, detail(_get(who, seller_order_id)))


class Delivery(Schema):
    shipment_id: int | None = Field(None, description="One parcel; none: every parcel not delivered yet.")


@router.post(
    "/{seller_order_id}/deliver",
    response=replies(OrderDetail),
    summary="Mark a parcel (or all) delivered, as the seller area allows",
)
def deliver(request: HttpRequest, seller_order_id: int, payload: Delivery) -> dict[str, Any]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    so = _get(who, seller_order_id)
    seller_order_deliver(seller_order_id=so.pk, acting_user=who.user, shipment_id=payload.shipment_id)
    return detail(_get(who, seller_order_id))


class PackingLine(Schema):
    product_title: str
    variant_name: str
    condition: str
    seller_sku: str
    quantity: int
    left_to_ship: int


class PackingOut(Schema):
    number: str
    placed_at: datetime
    storefront: str
    ship_from: Address
    ship_to: Address
    lines: list[PackingLine]
    return_policy: str


@router.get(
    "/{seller_order_id}/packing",
    response=replies(PackingOut),
    summary="What the packing slip shows: from, to, the items (no prices)",
)
def packing(request: HttpRequest, seller_order_id: int) -> dict[str, Any]:
    so = _get(seller_caller(request, Perm.FULFIL_ORDERS), seller_order_id)
    seller = so.seller
    return {
        "number": so.number,
        "placed_at": so.order.placed_at,
        "storefront": so.order.storefront.name,
        "ship_from": {
            "name": seller.display_name,
            "line1": seller.address_line1,
            "line2": seller.address_line2,
            "postal_code": seller.postal_code,
            "city": seller.city,
            "country": seller.country,
            "phone": "",
        },
        "ship_to": ship_to(so),
        "lines": [
            {
                "product_title": row.line.product_title,
                "variant_name": row.line.variant_name,
                "condition": row.line.condition,
                "seller_sku": row.line.seller_sku,
                "quantity": row.line.quantity,
                "left_to_ship": row.left,
            }
            for row in lines_to_ship(so)
        ],
        "return_policy": seller.return_policy,
    }
