"""Reads of orders, always through the actor: a customer sees their orders, a seller's staff
member sees that seller's part of orders, nothing else (conventions: access functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

# The key orders.services gives the refund of a refused or cancelled part, as the ledger reads it.
from galerie.accounts.models import User
from galerie.ledger.postings import SELLER_ORDER_REFUND_KEY
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.payments.models import Refund
from galerie.sellers.models import SellerMember
from galerie.storefronts.models import Storefront


def orders_for_customer(
    *, customer: User | AnonymousUser, storefront: Storefront | None = None
) -> QuerySet[Order]:
    """Return the customer's orders, newest first (none for an anonymous user)."""
    if not customer.is_authenticated:
        return Order.objects.none()
    orders = Order.objects.filter(customer=customer).select_related("storefront")
    if storefront is not None:
        orders = orders.filter(storefront=storefront)
    return orders.order_by("-id")


def order_get_for_customer(
    *, customer: User | AnonymousUser, number: str, storefront: Storefront | None = None
) -> Order:
    """Return one of the customer's orders with its seller orders and lines; raise OrderNotFound."""
    order = (
        orders_for_customer(customer=customer, storefront=storefront)
        .select_related("payment")
        .prefetch_related(
            Prefetch(
                "payment__refunds",
                queryset=Refund.objects.exclude(status=Refund.Status.FAILED).order_by("created_at", "id"),
            ),
            Prefetch(
                "seller_orders",
                queryset=SellerOrder.objects.select_related("seller").prefetch_related(
                    Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
                ),
            ),
        )
        .filter(number=number)
        .first()
    )
    if order is None:
        raise OrderNotFound("There is no such order in your account.")
    return order


@dataclass(frozen=True)
class RefundLine:
    amount_minor: int
    at: datetime
    pending: bool
    seller_order: SellerOrder | None  # None: a refund on the whole order (not one seller's part)


@dataclass(frozen=True)
class OrderRefunds:
    lines: list[RefundLine]
    refunded_minor: int  # refunds the gateway confirmed
    paid_minor: int  # what the customer finally paid: the total less the confirmed refunds


def order_refunds(*, order: Order) -> OrderRefunds:
    """Return the refunds of an order from ``order_get_for_customer``'s prefetched rows (no query):
    each with its amount, date and the seller's part it refunds, and what was finally paid."""
    parts = {part.uuid.hex: part for part in order.seller_orders.all()}
    lines = []
    for refund in order.payment.refunds.all():
        match = SELLER_ORDER_REFUND_KEY.match(refund.idempotency_key)
        lines.append(
            RefundLine(
                amount_minor=refund.amount_minor,
                at=refund.updated_at if refund.status == Refund.Status.SUCCEEDED else refund.created_at,
                pending=refund.status == Refund.Status.PENDING,
                seller_order=parts.get(match.group(1)) if match else None,
            )
        )
    refunded = sum(line.amount_minor for line in lines if not line.pending)
    return OrderRefunds(lines=lines, refunded_minor=refunded, paid_minor=order.total_minor - refunded)


def seller_ids_for_member(user: User | AnonymousUser, *, roles: tuple[str, ...] | None = None) -> list[int]:
    """Return the ids of the sellers the user works for (with one of ``roles`` if given)."""
    if not user.is_authenticated:
        return []
    members = SellerMember.objects.filter(user=user)
    if roles is not None:
        members = members.filter(role__in=roles)
    return list(members.values_list("seller_id", flat=True))


def seller_orders_for_member(
    user: User | AnonymousUser, *, roles: tuple[str, ...] | None = None, seller_id: int | None = None
) -> QuerySet[SellerOrder]:
    """Return the seller orders of every seller the user works for (or only ``seller_id``), newest first."""
    ids = seller_ids_for_member(user, roles=roles)
    if seller_id is not None:
        ids = [i for i in ids if i == seller_id]
    return (
        SellerOrder.objects.filter(seller_id__in=ids)
        .select_related("order", "order__storefront", "seller")
        .order_by("-id")
    )


def seller_order_get_for_member(
    user: User | AnonymousUser, *, number: str, seller_id: int | None = None
) -> SellerOrder:
    """Return one seller order of the user's sellers (or of ``seller_id``) with its lines.

    Raise OrderNotFound when it is not theirs."""
    seller_order = (
        seller_orders_for_member(user, seller_id=seller_id)
        .prefetch_related("lines")
        .filter(number=number)
        .first()
    )
    if seller_order is None:
        raise OrderNotFound(_("There is no such order for your shop."))
    return seller_order
