"""The seller's acceptance deadline: a seller order still awaiting its seller when the
storefront's ``accept_within_hours`` have passed since the order is cancelled and its part of
the payment refunded (periodic job ``orders.acceptance_deadline``; docs/seller-deadlines.md).

The cancellation is committed first, then the refund is asked of the gateway outside any
transaction with the seller order's own key (``services.seller_order_refund_due``), as for a
refusal: a refund the gateway cannot make yet is asked again by ``orders.refunds_due``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from galerie.core.actors import System
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.orders.models import SellerOrder
from galerie.orders.services import _settle_order, seller_order_refund_due
from galerie.storefronts.models import Storefront

EXPIRED = "acceptance_deadline"  # the ``reason`` code of the seller_order.cancelled event


def seller_orders_expire(*, now: datetime | None = None, batch: int = 500) -> int:
    """Cancel and refund every seller order still new past its storefront's acceptance deadline;
    return how many were cancelled. Locks each seller order; safe to run twice or concurrently
    (a seller accepting at the same moment wins or loses the lock, never both)."""
    now = now or timezone.now()
    cancelled: list[int] = []
    for storefront_id, hours in Storefront.objects.values_list("pk", "accept_within_hours"):
        due = SellerOrder.objects.filter(
            status=SellerOrder.Status.NEW,
            order__storefront_id=storefront_id,
            order__placed_at__lte=now - timedelta(hours=hours),
        ).order_by("pk")
        for pk in due.values_list("pk", flat=True)[:batch]:
            with transaction.atomic():
                seller_order = lock_row(SellerOrder.objects.all(), pk)
                if seller_order.status != SellerOrder.Status.NEW:
                    continue  # accepted or refused meanwhile
                transition(
                    seller_order,
                    to=SellerOrder.Status.CANCELLED,
                    by=System("job:acceptance_deadline"),
                    reason=f"not accepted within {hours} hours",
                    extra_fields=("updated_at",),
                )
                emit(
                    "seller_order.cancelled",
                    seller_order_id=seller_order.pk,
                    order_id=seller_order.order_id,
                    reason=EXPIRED,
                )
                _settle_order(seller_order.order_id)
            cancelled.append(pk)
    for pk in cancelled:
        seller_order_refund_due(seller_order_id=pk)
    return len(cancelled)
