"""Reads of withdrawals and returns, scoped by their reader (customer, seller member, operator)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from galerie.accounts.models import User
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.orders.selectors import seller_ids_for_member
from galerie.returns.errors import ReturnNotFound
from galerie.returns.models import Return, ReturnLine
from galerie.returns.periods import WithdrawalState, withdrawal_state


@dataclass
class PartReturns:
    """What the customer's order page shows about one seller order."""

    state: WithdrawalState
    returns: list[Return] = field(default_factory=list)


def _with_lines(queryset: QuerySet[Return]) -> QuerySet[Return]:
    return queryset.prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("id"))
    )


def order_returns(*, order: Order, now: datetime | None = None) -> dict[int, PartReturns]:
    """Per seller order of ``order`` (already the customer's): its withdrawal state and returns,
    in a fixed number of queries whatever the number of parts and lines."""
    now = now or timezone.now()
    lines: dict[int, list[OrderLine]] = {}
    for line in (
        OrderLine.objects.filter(seller_order__order=order)
        .select_related("variant__product__product_type")
        .order_by("id")
    ):
        lines.setdefault(line.seller_order_id, []).append(line)
    returns: dict[int, list[Return]] = {}
    taken: dict[int, dict[int, int]] = {}
    for ret in _with_lines(Return.objects.filter(seller_order__order=order).order_by("id")):
        returns.setdefault(ret.seller_order_id, []).append(ret)
        if ret.status != Return.Status.REFUSED:
            for returned in ret.lines.all():
                part_taken = taken.setdefault(ret.seller_order_id, {})
                line_id = returned.order_line_id
                part_taken[line_id] = part_taken.get(line_id, 0) + returned.quantity
    return {
        part.pk: PartReturns(
            state=withdrawal_state(
                seller_order=part, now=now, lines=lines.get(part.pk, []), taken=taken.get(part.pk, {})
            ),
            returns=returns.get(part.pk, []),
        )
        for part in order.seller_orders.all()
    }


def return_get_for_customer(*, customer: User | AnonymousUser, uuid: str) -> Return:
    """Return one of the customer's returns; raise ReturnNotFound."""
    if not customer.is_authenticated:
        raise ReturnNotFound("There is no such return.")
    try:
        return Return.objects.select_related("seller_order__order").get(uuid=uuid, customer=customer)
    except (Return.DoesNotExist, ValueError, ValidationError):
        raise ReturnNotFound("There is no such return.") from None


def returns_for_member(user: User, *, seller_id: int) -> QuerySet[Return]:
    """The returns of one seller the user works for (none otherwise), open ones first."""
    if seller_id not in seller_ids_for_member(user):
        return Return.objects.none()
    order = Case(When(status__in=Return.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Return.objects.filter(seller_order__seller_id=seller_id)
        .select_related("seller_order__order")
        .annotate(closed=order)
        .order_by("closed", "refund_due_by", "id")
    )


def return_get_for_member(user: User, *, seller_id: int, return_id: int) -> Return:
    """One return of the user's current seller, with its lines; raise ReturnNotFound."""
    try:
        return _with_lines(returns_for_member(user, seller_id=seller_id)).get(pk=return_id)
    except Return.DoesNotExist:
        raise ReturnNotFound("There is no such return for your shop.") from None


def returns_open_count(*, seller_id: int) -> int:
    """How many returns wait for the seller (the dashboard's figure)."""
    return Return.objects.filter(seller_order__seller_id=seller_id, status__in=Return.OPEN).count()


def returns_for_operator(*, now: datetime | None = None) -> QuerySet[Return]:
    """Every return, open ones whose refund is overdue first, then open ones by due date."""
    now = now or timezone.now()
    rank = Case(
        When(status__in=Return.OPEN, refund_due_by__lt=now, then=Value(0)),
        When(status__in=Return.OPEN, then=Value(1)),
        When(status=Return.Status.REFUSED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        Return.objects.select_related("seller_order__seller", "seller_order__order")
        .annotate(rank=rank)
        .order_by("rank", "refund_due_by", "id")
    )


def part_returns_for_member(*, seller_order: SellerOrder) -> list[Return]:
    """The returns of a seller order the caller already scoped (the seller's order page)."""
    return list(_with_lines(seller_order.returns.order_by("id")))
