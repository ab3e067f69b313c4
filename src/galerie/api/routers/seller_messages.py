"""The seller API's messages: the threads of the seller's orders, one thread, posting, read marks.

Reads need ``Perm.VIEW_ORDERS``, posting ``Perm.FULFIL_ORDERS`` (as in the pages). The services
are the messaging app's; contact details typed in a message are masked as in the pages.
Attachments are not in the API: their names and types are listed, the files stay in the seller
area.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from galerie.api.auth import SellerCaller, seller_key
from galerie.api.pagination import Page, paginate
from galerie.api.routers.seller_caller import seller_caller
from galerie.api.schemas import replies
from galerie.messaging.models import Party, Thread
from galerie.messaging.selectors import ThreadPage, thread_get_for_seller, threads_for_seller
from galerie.messaging.services import MAX_BODY, message_post, thread_read
from galerie.orders.selectors import seller_order_get_for_member
from galerie.sellers.access import Perm

router = Router(auth=seller_key, tags=["seller: messages"])


class ThreadOut(Schema):
    id: int
    seller_order_id: int
    order_number: str
    status: str
    unread: int = Field(description="Messages the seller has not read.")
    awaiting_answer: bool = Field(description="The customer's question waits for the seller's answer.")
    last_message_at: datetime


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    party: str
    body: str
    masked: bool
    created_at: datetime
    attachments: list[AttachmentOut]


class ThreadDetail(ThreadOut):
    messages: list[MessageOut]


def thread_out(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "seller_order_id": thread.seller_order_id,
        "order_number": thread.seller_order.number,
        "status": thread.status,
        "unread": thread.seller_unread,
        "awaiting_answer": thread.awaiting_since_id is not None,
        "last_message_at": thread.last_message_at,
    }


def page_out(page: ThreadPage) -> dict[str, Any]:
    assert page.thread is not None
    return {
        **thread_out(page.thread),
        "messages": [
            {
                "id": m.pk,
                "party": m.party,
                "body": m.body,
                "masked": m.masked,
                "created_at": m.created_at,
                "attachments": [
                    {"name": a.original_name, "content_type": a.content_type, "size": a.size}
                    for a in m.attachments.all()
                ],
            }
            for m in page.messages
        ],
    }


@router.get(
    "/", response=replies(Page[ThreadOut]), summary="The threads of the seller's orders, latest message first"
)
def threads(request: HttpRequest, limit: int = 50, after: str | None = None) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_ORDERS)
    rows = threads_for_seller(seller_id=who.seller.pk)
    items, cursor = paginate(rows, after=after, limit=limit, ordering=("-last_message_at", "-id"))
    return {"items": [thread_out(t) for t in items], "next": cursor}


def _page(who: SellerCaller, thread_id: int) -> dict[str, Any]:
    return page_out(thread_get_for_seller(seller_id=who.seller.pk, thread_id=thread_id))


@router.get("/{thread_id}", response=replies(ThreadDetail), summary="One thread with its messages")
def thread(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    return _page(seller_caller(request, Perm.VIEW_ORDERS), thread_id)


class Post(Schema):
    body: str = Field(min_length=1, max_length=MAX_BODY)


@router.post(
    "/{thread_id}/messages",
    response=replies(ThreadDetail, status=201),
    summary="Post a message in a thread (contact details are masked)",
)
def post(request: HttpRequest, thread_id: int, payload: Post) -> Status[dict[str, Any]]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    page = thread_get_for_seller(seller_id=who.seller.pk, thread_id=thread_id)
    message_post(seller_order_id=page.seller_order.pk, party=Party.SELLER, by=who.user, body=payload.body)
    return Status(201, _page(who, thread_id))


class ReadMark(Schema):
    upto_message_id: int = Field(ge=0, description="The last message the seller's system has shown.")


class Unread(Schema):
    unread: int


@router.post("/{thread_id}/read", response=replies(Unread), summary="Mark a thread read up to a message")
def read(request: HttpRequest, thread_id: int, payload: ReadMark) -> dict[str, int]:
    who = seller_caller(request, Perm.VIEW_ORDERS)
    page = thread_get_for_seller(seller_id=who.seller.pk, thread_id=thread_id)
    unread = thread_read(
        seller_order_id=page.seller_order.pk,
        party=Party.SELLER,
        by=who.user,
        upto_message_id=payload.upto_message_id,
    )
    return {"unread": unread}


# The first message of an order (its thread is created by it) is posted on the order.
orders_router = Router(auth=seller_key, tags=["seller: messages"])


@orders_router.post(
    "/{seller_order_id}/messages",
    response=replies(ThreadDetail, status=201),
    summary="Post a message to the customer of an order (starts its thread if none)",
)
def post_on_order(request: HttpRequest, seller_order_id: int, payload: Post) -> Status[dict[str, Any]]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    so = seller_order_get_for_member(who.user, seller_id=who.seller.pk, seller_order_id=seller_order_id)
    message = message_post(seller_order_id=so.pk, party=Party.SELLER, by=who.user, body=payload.body)
    return Status(201, _page(who, message.thread_id))
