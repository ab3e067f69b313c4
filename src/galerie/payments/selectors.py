"""Reads of payments. Payments are internal records: customers and sellers reach them through
their orders, whose selectors hold the access checks."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Sum

from galerie.core.money import Money
from galerie.payments.errors import PaymentNotFound
from galerie.payments.models import Payment, Refund

AWAITING_GATEWAY = (
    Payment.Status.PENDING,
    Payment.Status.REQUIRES_ACTION,
    Payment.Status.CAPTURE_PENDING,
)


def payment_get(*, payment_id: int) -> Payment:
    """Return a payment; raise PaymentNotFound."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise PaymentNotFound(f"There is no payment {payment_id}.")
    return payment


def payment_get_by_reference(*, reference: str, gateway: str = "test") -> Payment:
    """Return the payment the gateway knows as ``reference`` (the ``?payment=`` of a return URL)."""
    payment = (
        Payment.objects.filter(gateway=gateway, provider_reference=reference).first() if reference else None
    )
    if payment is None:
        raise PaymentNotFound(f"There is no {gateway} payment {reference!r}.")
    return payment


def payment_refundable(*, payment: Payment) -> Money:
    """Return what may still be refunded: captured, minus refunds made or pending."""
    pending = (
        Refund.objects.filter(payment_id=payment.pk, status=Refund.Status.PENDING).aggregate(
            total=Sum("amount_minor")
        )["total"]
        or 0
    )
    return Money(payment.captured_minor - payment.refunded_minor - pending, payment.currency)


def payments_awaiting_gateway(
    *, updated_after: datetime, updated_before: datetime, limit: int = 100
) -> list[int]:
    """Return ids of payments waiting on the gateway, last changed between the two dates."""
    return list(
        Payment.objects.filter(
            status__in=AWAITING_GATEWAY, updated_at__gt=updated_after, updated_at__lt=updated_before
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def payments_with_refunds_pending(
    *, created_after: datetime, created_before: datetime, limit: int = 100
) -> list[int]:
    """Return ids of payments with a refund still pending on our side, asked between the dates."""
    return list(
        Refund.objects.filter(
            status=Refund.Status.PENDING, created_at__gt=created_after, created_at__lt=created_before
        )
        .order_by("payment_id")
        .values_list("payment_id", flat=True)
        .distinct()[:limit]
    )


def payments_failed_counts() -> dict[str, int]:
    """Return how many payments ended declined and failed, by status (both final: the counts only
    grow). One grouped count on ``payment_status_updated_idx``; for /metrics."""
    failed = (Payment.Status.DECLINED, Payment.Status.FAILED)
    counts = dict.fromkeys(map(str, failed), 0)
    rows = Payment.objects.filter(status__in=failed).order_by().values_list("status").annotate(n=Count("*"))
    counts.update({status: n for status, n in rows})
    return counts
