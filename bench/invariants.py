"""After the load: the marketplace's invariants, checked on the bench database.

Each check returns the number of rows that break it; any non-zero count fails the bench.
"""

from __future__ import annotations

from django.db.models import F, OuterRef, Subquery, Sum

from galerie.checkout.models import CheckoutAttempt, StockReservation
from galerie.offers.models import Offer
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.payments.models import Payment

FINISHED = [CheckoutAttempt.Status.DECLINED, CheckoutAttempt.Status.EXPIRED, CheckoutAttempt.Status.REFUNDED]
PAID = [
    Payment.Status.AUTHORIZED,
    Payment.Status.CAPTURE_PENDING,
    Payment.Status.CAPTURED,
    Payment.Status.REFUNDED,
]


def _sum(rows, group: str):
    return rows.order_by().values(group).annotate(total=Sum("total_minor")).values("total")


def invariants() -> dict[str, int | str]:
    parts = _sum(SellerOrder.objects.filter(order=OuterRef("pk")), "order")
    lines = _sum(OrderLine.objects.filter(seller_order=OuterRef("pk")), "seller_order")
    return {
        "offers with negative stock": Offer.objects.filter(stock__lt=0).count(),
        "orders without a payment of their total": Order.objects.exclude(
            payment__amount_minor=F("total_minor")
        ).count(),
        "orders whose payment did not succeed": Order.objects.exclude(payment__status__in=PAID).count(),
        "orders whose seller parts do not add up": Order.objects.annotate(parts_total=Subquery(parts))
        .exclude(parts_total=F("total_minor"))
        .count(),
        "seller orders whose lines do not add up": SellerOrder.objects.annotate(lines_total=Subquery(lines))
        .exclude(lines_total=F("items_minor"))
        .count(),
        "completed checkouts without an order": CheckoutAttempt.objects.filter(
            status=CheckoutAttempt.Status.COMPLETED, order__isnull=True
        ).count(),
        "stock still held by finished checkouts": StockReservation.objects.filter(
            released=False,
            attempt__status__in=FINISHED,
        ).count(),
        "ledger balanced": "n/a (no ledger yet)",
    }
