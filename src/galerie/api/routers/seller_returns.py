"""The seller API's returns (withdrawals and defects): list, one, and the seller's steps.

Reads need ``Perm.VIEW_ORDERS``; giving instructions and receiving ``Perm.FULFIL_ORDERS``;
refusing and refunding also a deciding role (owner or manager), as in the pages. The services
are the returns app's; a prepaid label (a PDF upload) is left to the seller area.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from galerie.api.auth import SellerCaller, seller_key
from galerie.api.pagination import Page, paginate
from galerie.api.routers.seller_caller import decider, seller_caller
from galerie.api.schemas import Money, money, replies
from galerie.core.errors import InvalidInput
from galerie.returns.models import Return
from galerie.returns.selectors import return_get_for_member, returns_for_member
from galerie.returns.services import return_instruct, return_receive, return_refund, return_refuse
from galerie.sellers.access import Perm

router = Router(auth=seller_key, tags=["seller: returns"])

ReturnStatus = Literal["requested", "instructed", "received", "refunding", "refunded", "refused"]
assert set(ReturnStatus.__args__) == set(Return.Status.values)  # type: ignore[attr-defined]


class ReturnLineOut(Schema):
    order_line_id: int
    product_title: str
    quantity: int
    amount: Money
    seal_intact: bool | None


class ReturnOut(Schema):
    id: int
    seller_order_id: int
    order_number: str
    reason: str
    status: str
    declared_at: datetime
    refund_due_by: datetime
    defect_description: str
    items: Money
    shipping: Money
    instructions: str
    received_at: datetime | None
    inspection_note: str
    depreciation: Money
    depreciation_reason: str
    refund: Money | None
    refunded_at: datetime | None
    refusal_reason: str


class ReturnDetail(ReturnOut):
    lines: list[ReturnLineOut]


def return_out(ret: Return) -> dict[str, Any]:
    currency = ret.seller_order.order.currency
    return {
        "id": ret.pk,
        "seller_order_id": ret.seller_order_id,
        "order_number": ret.seller_order.number,
        "reason": ret.reason,
        "status": ret.status,
        "declared_at": ret.declared_at,
        "refund_due_by": ret.refund_due_by,
        "defect_description": ret.defect_description,
        "items": money(ret.items_minor, currency),
        "shipping": money(ret.shipping_minor, currency),
        "instructions": ret.instructions,
        "received_at": ret.received_at,
        "inspection_note": ret.inspection_note,
        "depreciation": money(ret.depreciation_minor, currency),
        "depreciation_reason": ret.depreciation_reason,
        "refund": None if ret.refund_minor is None else money(ret.refund_minor, currency),
        "refunded_at": ret.refunded_at,
        "refusal_reason": ret.refusal_reason,
    }


def _detail(who: SellerCaller, return_id: int) -> dict[str, Any]:
    ret = return_get_for_member(who.user, seller_id=who.seller.pk, return_id=return_id)
    currency = ret.seller_order.order.currency
    lines = [
        {
            "order_line_id": line.order_line_id,
            "product_title": line.order_line.product_title,
            "quantity": line.quantity,
            "amount": money(line.amount_minor, currency),
            "seal_intact": line.seal_intact,
        }
        for line in ret.lines.all()
    ]
    return {**return_out(ret), "lines": lines}


@router.get("/", response=replies(Page[ReturnOut]), summary="The seller's returns, newest first")
def returns(
    request: HttpRequest, status: ReturnStatus | None = None, limit: int = 50, after: str | None = None
) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_ORDERS)
    rows = returns_for_member(who.user, seller_id=who.seller.pk)
    if status:
        rows = rows.filter(status=status)
    items, cursor = paginate(rows, after=after, limit=limit)
    return {"items": [return_out(r) for r in items], "next": cursor}


@router.get("/{return_id}", response=replies(ReturnDetail), summary="One return with its lines")
def one(request: HttpRequest, return_id: int) -> dict[str, Any]:
    return _detail(seller_caller(request, Perm.VIEW_ORDERS), return_id)


class Instructions(Schema):
    instructions: str = Field(min_length=1, max_length=4000, description="The return address, how to send.")


@router.post(
    "/{return_id}/instruct", response=replies(ReturnDetail), summary="Accept the return: tell how to send it"
)
def instruct(request: HttpRequest, return_id: int, payload: Instructions) -> dict[str, Any]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    ret = return_get_for_member(who.user, seller_id=who.seller.pk, return_id=return_id)
    return_instruct(return_id=ret.pk, acting_user=who.user, instructions=payload.instructions)
    return _detail(who, return_id)


class Receipt(Schema):
    note: str = Field("", max_length=4000, description="What the inspection found.")


@router.post(
    "/{return_id}/receive", response=replies(ReturnDetail), summary="Mark the returned items received"
)
def receive(request: HttpRequest, return_id: int, payload: Receipt) -> dict[str, Any]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    ret = return_get_for_member(who.user, seller_id=who.seller.pk, return_id=return_id)
    return_receive(return_id=ret.pk, acting_user=who.user, note=payload.note)
    return _detail(who, return_id)


class ReturnRefusal(Schema):
    reason: str = Field(min_length=1, max_length=4000, description="The customer reads it.")


@router.post(
    "/{return_id}/refuse", response=replies(ReturnDetail), summary="Refuse the return (owner, manager)"
)
def refuse(request: HttpRequest, return_id: int, payload: ReturnRefusal) -> dict[str, Any]:
    who = decider(request)
    ret = return_get_for_member(who.user, seller_id=who.seller.pk, return_id=return_id)
    return_refuse(return_id=ret.pk, acting_user=who.user, reason=payload.reason)
    return _detail(who, return_id)


class ReturnRefund(Schema):
    depreciation: Money | None = Field(None, description="Taken off the items' price; none: a full refund.")
    depreciation_reason: str = Field("", max_length=4000)


@router.post(
    "/{return_id}/refund",
    response=replies(ReturnDetail),
    summary="Refund the return, less a justified depreciation (owner, manager)",
)
def refund(request: HttpRequest, return_id: int, payload: ReturnRefund) -> dict[str, Any]:
    who = decider(request)
    ret = return_get_for_member(who.user, seller_id=who.seller.pk, return_id=return_id)
    depreciation = 0
    if payload.depreciation is not None:
        currency = ret.seller_order.order.currency
        if payload.depreciation.currency != currency:
            raise InvalidInput({"depreciation": [f"This order was paid in {currency}."]})
        depreciation = payload.depreciation.amount
    return_refund(
        return_id=ret.pk,
        acting_user=who.user,
        depreciation_minor=depreciation,
        depreciation_reason=payload.depreciation_reason,
    )
    return _detail(who, return_id)
