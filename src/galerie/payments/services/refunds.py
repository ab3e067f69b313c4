"""Refunds: part or all of a captured payment, once per key, never more than was captured."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from galerie.core.crashpoints import crash_point
from galerie.core.errors import full_clean
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.payments.errors import (
    GatewayRefused,
    IdempotencyKeyReused,
    PaymentNotRefundable,
    RefundExceedsCaptured,
)
from galerie.payments.gateway import RefundResult, RefundStatus, get_gateway
from galerie.payments.models import Payment, Refund
from galerie.payments.selectors import payment_refundable
from galerie.payments.services.checks import (
    check_amount,
    check_key,
    lock_payment,
    outside_transaction,
    status_label,
)
from galerie.payments.services.recording import record_refund_result

Status = Payment.Status


@transaction.atomic
def _refund_for_key(*, payment_id: int, amount: Money, key: str, reason: str) -> Refund:
    """Return the refund for ``key``, creating it if what is left to refund allows (payment locked)."""
    payment = lock_payment(payment_id)
    refund = Refund.objects.filter(idempotency_key=key).first()
    if refund is not None:
        if refund.payment_id != payment.pk or (refund.amount_minor, refund.currency) != (
            amount.amount_minor,
            amount.currency,
        ):
            raise IdempotencyKeyReused(
                f"The idempotency key “{key}” was already used for a refund of"
                f" {Money(refund.amount_minor, refund.currency)} on payment {refund.payment_id};"
                " a retry must ask for the same refund.",
                field="idempotency_key",
            )
        return refund
    check_amount(amount, payment.currency)
    if payment.status != Status.CAPTURED:
        raise PaymentNotRefundable(
            f"Only a captured payment can be refunded; this one is {status_label(payment)}."
        )
    left = payment_refundable(payment=payment)
    if amount > left:
        raise RefundExceedsCaptured(
            f"At most {left} can be refunded on this payment (captured"
            f" {Money(payment.captured_minor, payment.currency)}, refunded or being refunded"
            f" {Money(payment.captured_minor, payment.currency) - left}); {amount} was asked.",
            field="amount",
        )
    refund = Refund(
        payment=payment,
        idempotency_key=key,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
        reason=reason,
    )
    full_clean(refund, validate_unique=False)
    try:
        with transaction.atomic():
            refund.save()
    except IntegrityError:
        raise IdempotencyKeyReused(
            f"The idempotency key “{key}” is being used for another refund.", field="idempotency_key"
        ) from None
    return refund


def payment_refund(*, payment_id: int, amount: Money, idempotency_key: str, reason: str = "") -> Refund:
    """Refund part or all of a captured payment once per key; return the refund (pending until confirmed).

    Refuse (RefundExceedsCaptured, nothing written) more than captured minus what is refunded or
    being refunded. A retry with the same key returns the same refund and refunds once. If the
    provider refuses, the refund is recorded failed and GatewayRefused is raised.
    """
    outside_transaction("payment_refund")
    check_key(idempotency_key)
    check_amount(amount)
    refund = _refund_for_key(payment_id=payment_id, amount=amount, key=idempotency_key, reason=reason)
    if refund.status != Refund.Status.PENDING or refund.provider_reference:
        return refund  # the gateway has it already: never ask twice
    payment = refund.payment
    try:
        result = get_gateway(payment.gateway).refund(
            reference=payment.provider_reference, amount=amount, idempotency_key=f"refund:{idempotency_key}"
        )
    except GatewayRefused:
        # A definite no: nothing was refunded, and the amount no longer stays reserved.
        result = RefundResult(
            status=RefundStatus.FAILED,
            reference="",
            payment_reference=payment.provider_reference,
            amount=amount,
        )
        _record(payment.pk, refund.pk, result, reason="refused by the gateway")
        raise
    crash_point("payments.after_refund")
    return _record(payment.pk, refund.pk, result, reason="refund")


def _record(payment_id: int, refund_id: int, result: RefundResult, *, reason: str) -> Refund:
    with transaction.atomic():
        payment = lock_payment(payment_id)
        refund = lock_row(Refund.objects.all(), refund_id)
        record_refund_result(payment, result, reason=reason, refund=refund)
        return refund
