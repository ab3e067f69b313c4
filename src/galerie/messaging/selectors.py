"""Reads of messages, always through the actor (docs/messaging.md).

The customer reaches a thread through their own seller order, the seller's member through the
member-scoped seller orders, the operator by the thread's uuid. Unread counts are columns of the
thread, so a list of orders gets them in the same query (an annotation) and a dashboard in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.messaging.errors import AttachmentNotFound, ThreadNotFound
from galerie.messaging.models import Attachment, Message, Party, SellerResponse, Thread
from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront

# The longest quality window a storefront may set (Storefront.quality_window_days' validator).
MAX_WINDOW_DAYS = 365


@dataclass(frozen=True)
class ThreadPage:
    seller_order: SellerOrder
    thread: Thread | None
    messages: list[Message]
    party: str

    @property
    def last_id(self) -> int:
        return self.messages[-1].pk if self.messages else 0

    @property
    def unread(self) -> int:
        return unread_of(self.thread, self.party)

    @property
    def read_upto(self) -> int:
        if self.thread is None:
            return 0
        return int(getattr(self.thread, f"{self.party}_read_upto"))


def unread_of(thread: Thread | None, party: str) -> int:
    return 0 if thread is None else int(getattr(thread, f"{party}_unread"))


def _messages(thread: Thread | None) -> list[Message]:
    if thread is None:
        return []
    return list(
        Message.objects.filter(thread=thread)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("id")
    )


def _page(seller_order: SellerOrder, party: str) -> ThreadPage:
    thread = Thread.objects.filter(seller_order=seller_order).first()
    return ThreadPage(seller_order=seller_order, thread=thread, messages=_messages(thread), party=party)


def seller_order_for_customer(
    *, customer: User | AnonymousUser, storefront: Storefront, number: str
) -> SellerOrder:
    """Return the customer's seller order ``number`` on the storefront; raise ThreadNotFound."""
    if not customer.is_authenticated:
        raise ThreadNotFound(_("There is no such conversation in your account."))
    seller_order = (
        SellerOrder.objects.select_related("order", "order__storefront", "seller")
        .filter(number=number, order__customer=customer, order__storefront=storefront)
        .first()
    )
    if seller_order is None:
        raise ThreadNotFound(_("There is no such conversation in your account."))
    return seller_order


def thread_page(*, seller_order: SellerOrder, party: str) -> ThreadPage:
    """Return the thread of a seller order the caller reached through its scoped selector, its
    messages and their files, as ``party`` reads them (three queries)."""
    return _page(seller_order, party)


def thread_for_operator(*, thread_uuid: UUID | str) -> ThreadPage:
    """Return a thread for operator staff (the gate checks it is staff); raise ThreadNotFound."""
    thread = (
        Thread.objects.select_related("seller_order__order__storefront", "seller_order__seller", "customer")
        .filter(uuid=thread_uuid)
        .first()
    )
    if thread is None:
        raise ThreadNotFound(_("There is no such conversation."))
    return ThreadPage(
        seller_order=thread.seller_order, thread=thread, messages=_messages(thread), party=Party.OPERATOR
    )


def attachment_in_thread(*, seller_order: SellerOrder, attachment_uuid: UUID | str) -> Attachment:
    """Return a file of the seller order's thread; raise AttachmentNotFound for any other."""
    attachment = (
        Attachment.objects.filter(uuid=attachment_uuid, message__thread__seller_order=seller_order)
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise AttachmentNotFound(_("There is no such file in this conversation."))
    return attachment


def attachment_for_operator(*, thread_uuid: UUID | str, attachment_uuid: UUID | str) -> Attachment:
    """Return a file of the thread ``thread_uuid`` for operator staff; raise AttachmentNotFound."""
    attachment = Attachment.objects.filter(uuid=attachment_uuid, message__thread__uuid=thread_uuid).first()
    if attachment is None:
        raise AttachmentNotFound(_("There is no such file in this conversation."))
    return attachment


# --- unread counts for the pages of others ---------------------------------------------------


def threads_of_order(*, order_id: int) -> dict[int, Thread]:
    """The threads of an order's seller orders, by seller order id (one query)."""
    return {t.seller_order_id: t for t in Thread.objects.filter(seller_order__order_id=order_id)}


def customer_unread_by_order(*, customer: User | AnonymousUser, storefront: Storefront) -> dict[int, int]:
    """What the customer has unread, per order of theirs on the storefront (one grouped query)."""
    if not customer.is_authenticated:
        return {}
    rows = (
        Thread.objects.filter(customer=customer, storefront=storefront, customer_unread__gt=0)
        .values("seller_order__order_id")
        .annotate(n=Sum("customer_unread"))
        .order_by()
    )
    return {row["seller_order__order_id"]: int(row["n"]) for row in rows}


def seller_orders_with_unread(rows: QuerySet[SellerOrder]) -> QuerySet[SellerOrder]:
    """Annotate each seller order with ``messages_unread``: what its seller has not read."""
    unread = Thread.objects.filter(seller_order=OuterRef("pk")).values("seller_unread")[:1]
    return rows.annotate(messages_unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


@dataclass(frozen=True)
class SellerInbox:
    unread: int  # messages
    threads: list[Thread]  # the threads with unread messages, newest first (at most ``limit``)


def seller_inbox(*, seller: Seller, limit: int = 5, scan: int = 50) -> SellerInbox:
    """The seller's unread messages and the threads holding them, newest first: one query over the
    threads with unread messages (indexed by seller); a second, a sum, only past ``scan`` of them."""
    unread = Thread.objects.filter(seller=seller, seller_unread__gt=0)
    threads = list(unread.select_related("seller_order").order_by("-last_message_at", "-id")[:scan])
    total = sum(t.seller_unread for t in threads)
    if len(threads) == scan:
        total = unread.aggregate(n=Sum("seller_unread"))["n"] or 0
    return SellerInbox(unread=int(total), threads=threads[:limit])


def threads_for_operator(*, asked_only: bool = True, limit: int = 100) -> list[Thread]:
    """The threads the operator is asked into (or every recent one), the longest waiting first."""
    threads = Thread.objects.select_related("seller_order__order__storefront", "seller")
    if asked_only:
        return list(
            threads.filter(status=Thread.Status.OPERATOR_ASKED).order_by("operator_asked_at", "id")[:limit]
        )
    return list(threads.order_by("-last_message_at", "-id")[:limit])


# --- response time ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseTime:
    """A seller's median response time over some answered questions."""

    answered: int
    median_seconds: int

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.median_seconds) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def median(values: list[int]) -> int:
    """The median of sorted ``values``, rounded half up to the second (the mean of the two middle
    ones for an even count)."""
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle] + 1) // 2


def _medians(responses: QuerySet[SellerResponse], key: str) -> dict[int, ResponseTime]:
    values: dict[int, list[int]] = {}
    for group, seconds in responses.order_by(key, "seconds").values_list(key, "seconds"):
        values.setdefault(group, []).append(seconds)
    return {group: ResponseTime(answered=len(v), median_seconds=median(v)) for group, v in values.items()}


def seller_response_times(
    *,
    storefront: Storefront,
    seller_ids: list[int],
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, ResponseTime]:
    """The median response time of each of ``seller_ids`` on the storefront, over the questions
    asked in [since, until) (by default the storefront's quality window up to now). One query; the
    medians are taken in Python from the sorted seconds (SQLite has no median)."""
    until = until or timezone.now()
    since = since or until - timedelta(days=storefront.quality_window_days)
    responses = SellerResponse.objects.filter(
        storefront=storefront, seller_id__in=seller_ids, asked_at__gte=since, asked_at__lt=until
    )
    return _medians(responses, "seller_id")


def seller_response_by_storefront(
    *, seller: Seller, now: datetime | None = None
) -> dict[int, tuple[str, ResponseTime]]:
    """The seller's own median response time per storefront (its name, the time), each over the
    storefront's quality window: one query over the longest window a storefront may have."""
    now = now or timezone.now()
    responses = SellerResponse.objects.filter(
        seller=seller, asked_at__gte=now - timedelta(days=MAX_WINDOW_DAYS), asked_at__lt=now
    ).order_by("seconds")
    values: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for storefront_id, name, days, asked_at, seconds in responses.values_list(
        "storefront_id", "storefront__name", "storefront__quality_window_days", "asked_at", "seconds"
    ):
        if asked_at >= now - timedelta(days=days):
            values.setdefault(storefront_id, []).append(seconds)
            names[storefront_id] = name
    return {
        pk: (names[pk], ResponseTime(answered=len(v), median_seconds=median(v))) for pk, v in values.items()
    }


def thread_of_seller_order(*, seller_order_id: int) -> Thread | None:
    """The thread of a seller order the caller reached through its scoped selector, or None."""
    return Thread.objects.filter(seller_order_id=seller_order_id).first()


@dataclass(frozen=True)
class StorefrontResponseTime:
    storefront: str
    time: ResponseTime


@dataclass(frozen=True)
class SellerMessaging:
    inbox: SellerInbox
    response_times: list[StorefrontResponseTime]


def seller_messaging_summary(*, seller: Seller, now: datetime | None = None) -> SellerMessaging:
    """What the seller's dashboard shows of messages: unread, the threads holding them, and the
    median response time per storefront over its quality window (two queries)."""
    times = seller_response_by_storefront(seller=seller, now=now).values()
    rows = sorted(
        (StorefrontResponseTime(storefront=name, time=time) for name, time in times),
        key=lambda r: r.storefront,
    )
    return SellerMessaging(inbox=seller_inbox(seller=seller), response_times=rows)


def threads_for_seller(*, seller_id: int) -> QuerySet[Thread]:
    """Return the threads of the seller's orders with their seller order (the API pages them)."""
    return Thread.objects.filter(seller_id=seller_id).select_related("seller_order")


def thread_get_for_seller(*, seller_id: int, thread_id: int) -> ThreadPage:
    """Return one thread of the seller's orders with its messages, as the seller reads them;
    raise ThreadNotFound for another seller's."""
    thread = (
        threads_for_seller(seller_id=seller_id)
        .select_related("seller_order__order")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise ThreadNotFound(_("There is no such conversation for your shop."))
    return ThreadPage(
        seller_order=thread.seller_order, thread=thread, messages=_messages(thread), party=Party.SELLER
    )
