"""What a storefront's closure waits for on the orders' side (registered with
``storefronts.closure`` in ``OrdersConfig.ready``; docs/storefront-closure.md).

Open seller orders (new, accepted, shipped and not delivered), refunds not settled (a refund
row still pending at the gateway, or a refused/cancelled part whose refund could not be asked
yet), delivered orders still in their withdrawal period, and payments of its orders the gateway
has not settled (a capture whose webhook has not come). A fixed number of queries, each a range of
an index on the storefront's orders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F

from galerie.orders.models import Order, SellerOrder
from galerie.payments.models import Payment, Refund
from galerie.storefronts.closure import ClosureBlockers
from galerie.storefronts.models import Storefront

UNSETTLED_PAYMENTS = (
    Payment.Status.PENDING,
    Payment.Status.REQUIRES_ACTION,
    Payment.Status.AUTHORIZED,
    Payment.Status.CAPTURE_PENDING,
)
SHOWN = 50  # numbers listed per kind in the report's details


def withdrawal_days() -> int:
    return int(getattr(settings, "GALERIE_WITHDRAWAL_DAYS", 14))


def orders_closure_guard(*, storefront: Storefront, now: datetime, blockers: ClosureBlockers) -> None:
    """Fill in the storefront's open seller orders, unsettled refunds, running withdrawal periods
    and unsettled payments (counts, and up to SHOWN numbers of each in ``details``)."""
    parts = SellerOrder.objects.filter(order__storefront_id=storefront.pk).order_by("id")
    open_parts = list(
        parts.filter(
            status__in=[SellerOrder.Status.NEW, SellerOrder.Status.ACCEPTED, SellerOrder.Status.SHIPPED]
        ).values_list("number", flat=True)
    )
    cutoff = now - timedelta(days=withdrawal_days())
    in_withdrawal = list(
        parts.filter(status=SellerOrder.Status.DELIVERED, delivered_at__gt=cutoff).values_list(
            "number", flat=True
        )
    )
    refund_due = list(
        parts.filter(
            status__in=[SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED],
            refunded_minor__lt=F("total_minor"),
        ).values_list("number", flat=True)
    )
    payments = Order.objects.filter(storefront_id=storefront.pk).values("payment_id")
    pending_refunds = list(
        Refund.objects.filter(payment_id__in=payments, status=Refund.Status.PENDING)
        .order_by("id")
        .values_list("uuid", flat=True)
    )
    unsettled = list(
        Order.objects.filter(storefront_id=storefront.pk, payment__status__in=UNSETTLED_PAYMENTS)
        .order_by("id")
        .values_list("number", flat=True)
    )
    blockers.open_seller_orders = len(open_parts)
    blockers.withdrawal_open = len(in_withdrawal)
    blockers.pending_refunds = len(pending_refunds) + len(refund_due)
    blockers.payments_unsettled = len(unsettled)
    blockers.details.update(
        {
            "open_seller_orders": open_parts[:SHOWN],
            "withdrawal_open": in_withdrawal[:SHOWN],
            "refunds_due": refund_due[:SHOWN],
            "pending_refunds": [u.hex for u in pending_refunds[:SHOWN]],
            "payments_unsettled": unsettled[:SHOWN],
        }
    )
