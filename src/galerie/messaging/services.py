"""Every write of messages: post, read, ask the operator in, let the operator step out.

Each takes the thread's row lock (the seller order's, when the thread is created), so that the
unread counts, the read marks and the seller's pending question stay consistent with the
messages whatever runs at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import PermissionDenied
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.messaging.access import parties_of
from galerie.messaging.attachments import attachments_check
from galerie.messaging.errors import MessageInvalid, OperatorAlreadyAsked, ThreadNotFound
from galerie.messaging.masking import MASK, mask
from galerie.messaging.models import Attachment, Message, Party, SellerResponse, Thread
from galerie.notifications.emails import site_url
from galerie.orders.models import SellerOrder
from galerie.storefronts.models import StorefrontHost

MAX_BODY = 5000
MAX_REASON = 1000
UNREAD_FIELD = {
    Party.CUSTOMER: "customer_unread",
    Party.SELLER: "seller_unread",
    Party.OPERATOR: "operator_unread",
}
READ_FIELD = {
    Party.CUSTOMER: "customer_read_upto",
    Party.SELLER: "seller_read_upto",
    Party.OPERATOR: "operator_read_upto",
}


def marketplace_hosts() -> frozenset[str]:
    """The host names links may keep in a message: every storefront's and the site's own."""
    hosts = set(StorefrontHost.objects.values_list("host", flat=True))
    site = urlsplit(site_url("/")).hostname
    if site:
        hosts.add(site)
    return frozenset(hosts)


def _check_party(user: User, seller_order: SellerOrder, party: str) -> None:
    if party not in parties_of(user, seller_order):
        raise PermissionDenied(_("You take no part in the conversation of this order."))


def _thread_locked(seller_order_id: int, *, now: datetime) -> Thread:
    """Return the seller order's thread under its row lock, created when it has none."""
    seller_order = SellerOrder.objects.select_for_update().select_related("order").get(pk=seller_order_id)
    thread = Thread.objects.select_for_update().filter(seller_order=seller_order).first()
    if thread is None:
        thread = Thread.objects.create(
            seller_order=seller_order,
            seller_id=seller_order.seller_id,
            customer_id=seller_order.order.customer_id,
            storefront_id=seller_order.order.storefront_id,
            created_at=now,
            last_message_at=now,
        )
    return thread


def _clean_body(body: str, *, field: str, limit: int, required: bool) -> tuple[str, bool]:
    text = (body or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise MessageInvalid({field: [_("Write your message.")]})
    if len(text) > limit:
        raise MessageInvalid(
            {field: [_("At most %(max)d characters (%(n)d typed).") % {"max": limit, "n": len(text)}]}
        )
    masked = mask(text, allowed_hosts=marketplace_hosts())
    return masked, masked != text


def message_post(
    *,
    seller_order_id: int,
    party: str,
    by: User,
    body: str,
    files: Sequence[Any] = (),
    now: datetime | None = None,
) -> Message:
    """Post a message (contact details masked) with its checked files in the seller order's thread,
    created if needed; raise PermissionDenied if ``by`` is not ``party``, MessageInvalid or
    AttachmentRefused for bad input (nothing is saved then).

    The other parties' unread counts go up; the first message each has unread is e-mailed to it
    (``message.posted``). A seller's message answers the customer's pending question: the pair is
    kept as a SellerResponse (the seller's response time)."""
    now = now or timezone.now()
    party = Party(party)
    seller_order = SellerOrder.objects.select_related("order").get(pk=seller_order_id)
    _check_party(by, seller_order, party)
    text, masked = _clean_body(body, field="body", limit=MAX_BODY, required=not files)
    checked = attachments_check(list(files))  # before the transaction: decoding takes time
    with transaction.atomic():
        thread = _thread_locked(seller_order_id, now=now)
        message = Message.objects.create(
            thread=thread, party=party, author=by, body=text, masked=masked, created_at=now
        )
        for item in checked:
            attachment = Attachment(
                message=message,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                width=item.width,
                height=item.height,
            )
            attachment.file.save(item.file.name or "file", item.file, save=False)
            attachment.save()
        others = [p for p in Party if p != party]
        # The operator is told only while asked in; its count runs anyway (the back office).
        notify = [
            p
            for p in others
            if getattr(thread, UNREAD_FIELD[p]) == 0
            and (p != Party.OPERATOR or thread.status == Thread.Status.OPERATOR_ASKED)
        ]
        updates: dict[str, Any] = {UNREAD_FIELD[p]: F(UNREAD_FIELD[p]) + 1 for p in others}
        # Posting is done on the thread's page, under every message: the author has read them all.
        updates[READ_FIELD[party]] = message.pk
        updates[UNREAD_FIELD[party]] = 0
        updates["last_message_at"] = now
        if party == Party.CUSTOMER and thread.awaiting_since_id is None:
            updates["awaiting_since"] = message
        elif party == Party.SELLER and thread.awaiting_since_id is not None:
            asked = Message.objects.get(pk=thread.awaiting_since_id)
            SellerResponse.objects.create(
                thread=thread,
                seller_id=thread.seller_id,
                storefront_id=thread.storefront_id,
                asked=asked,
                reply=message,
                asked_at=asked.created_at,
                seconds=max(0, int((now - asked.created_at).total_seconds())),
            )
            updates["awaiting_since"] = None
        Thread.objects.filter(pk=thread.pk).update(**updates)
        emit(
            "message.posted",
            message_id=message.pk,
            thread_id=thread.pk,
            seller_order_id=seller_order_id,
            party=str(party),
            notify=[str(p) for p in notify if p != Party.OPERATOR],
        )
    return message


def thread_read(*, seller_order_id: int, party: str, by: User, upto_message_id: int) -> int:
    """Mark the thread read by ``party`` up to the message it was shown last; return what it
    still has unread (messages posted since). Nothing to do without a thread."""
    party = Party(party)
    seller_order = SellerOrder.objects.select_related("order").get(pk=seller_order_id)
    _check_party(by, seller_order, party)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().filter(seller_order_id=seller_order_id).first()
        if thread is None:
            return 0
        upto = max(getattr(thread, READ_FIELD[party]), int(upto_message_id))
        unread = thread.messages.filter(pk__gt=upto).exclude(party=party).count()
        Thread.objects.filter(pk=thread.pk).update(**{READ_FIELD[party]: upto, UNREAD_FIELD[party]: unread})
    return unread


def thread_operator_ask(
    *, seller_order_id: int, party: str, by: User, reason: str, now: datetime | None = None
) -> Thread:
    """Ask the operator to step into the thread, saying why (masked); raise OperatorAlreadyAsked
    while it is asked in already, PermissionDenied if ``by`` is not ``party``."""
    now = now or timezone.now()
    party = Party(party)
    if party == Party.OPERATOR:
        raise PermissionDenied(_("Only the customer or the seller asks the operator in."))
    seller_order = SellerOrder.objects.select_related("order").get(pk=seller_order_id)
    _check_party(by, seller_order, party)
    text, _masked = _clean_body(reason, field="reason", limit=MAX_REASON, required=True)
    with transaction.atomic():
        thread = _thread_locked(seller_order_id, now=now)
        if thread.status == Thread.Status.OPERATOR_ASKED:
            raise OperatorAlreadyAsked(_("The marketplace is already asked to step in."), field="reason")
        thread.operator_reason = text
        thread.operator_asked_by = party
        thread.operator_asked_at = now
        transition(
            thread,
            to=Thread.Status.OPERATOR_ASKED,
            by=by,
            reason=text.replace(MASK, "[…]")[:200],
            extra_fields=("operator_reason", "operator_asked_by", "operator_asked_at"),
            seller_order_id=seller_order_id,
            party=str(party),
        )
    return thread


def thread_operator_done(*, thread_id: int, by: User) -> Thread:
    """The operator steps out of a thread it was asked into (staff only)."""
    if not (by.is_active and by.is_staff):
        raise PermissionDenied(_("Only the marketplace's staff closes its part in a conversation."))
    with transaction.atomic():
        thread = Thread.objects.select_for_update().filter(pk=thread_id).first()
        if thread is None:
            raise ThreadNotFound(_("There is no such conversation."))
        if thread.status != Thread.Status.OPERATOR_DONE:
            transition(thread, to=Thread.Status.OPERATOR_DONE, by=by)
    return thread
