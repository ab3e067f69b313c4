"""Recording what the gateway says, forward only.

Every function here runs inside the caller's transaction, on a payment it has locked. A status
moves only along ``Payment.TRANSITIONS``, where every edge goes up in ``Payment.STATUS_RANK``: a
repeated, late or out-of-order answer is "stale" and changes no status.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_noop

from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.payments.gateway import GatewayResult, GatewayStatus, RefundResult
from galerie.payments.models import Payment, PaymentDiscrepancy, PaymentEvent, Refund
from galerie.payments.services.checks import lock_payment

logger = logging.getLogger(__name__)

Status = Payment.Status
Result = PaymentEvent.Result
# Milestones of the happy path: each is announced once, even when a status skips it.
MILESTONES = ((Status.AUTHORIZED, "payment.authorized"), (Status.CAPTURED, "payment.captured"))


def _payload(payment: Payment, **extra: object) -> dict[str, object]:
    return {
        "payment_id": payment.pk,
        "payment_uuid": str(payment.uuid),
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        **extra,
    }


def _announce(payment: Payment, previous: str) -> None:
    if payment.status in Payment.FINAL:
        extra = {"decline_code": payment.decline_code} if payment.decline_code else {}
        emit(f"payment.{payment.status}", **_payload(payment, **extra))
        return
    rank = Payment.STATUS_RANK
    for milestone, topic in MILESTONES:
        if rank[Status(previous)] < rank[milestone] <= rank[Status(payment.status)]:
            emit(topic, **_payload(payment, captured_minor=payment.captured_minor))


def capture_discrepancy(payment: Payment, result: GatewayResult) -> tuple[str, int, str] | None:
    """Return ``(kind, reported amount, reported currency)`` if a capture the provider reports is
    not exactly the payment's amount in its currency (captures are always in full), else None."""
    reported = result.captured_minor or result.amount.amount_minor
    currency = result.amount.currency
    Kind = PaymentDiscrepancy.Kind
    if currency != payment.currency:
        return Kind.CURRENCY, reported, currency
    if reported > payment.amount_minor or result.amount.amount_minor > payment.amount_minor:
        return Kind.AMOUNT_ABOVE, max(reported, result.amount.amount_minor), currency
    if reported < payment.amount_minor:
        return Kind.AMOUNT_BELOW, reported, currency
    return None


def record_payment_result(
    payment: Payment, result: GatewayResult, *, reason: str, event: PaymentEvent | None = None
) -> str:
    """Record the provider's view of a locked payment; move its status only forward.

    Return Result.APPLIED if the status moved, Result.STALE if the answer was older than, or
    the same as, what is recorded (a repeated, late or out-of-order answer changes no status),
    Result.MISMATCH if it reports a capture of another amount or currency than the payment's:
    that capture is recorded as a PaymentDiscrepancy and not applied.
    """
    changed: list[str] = []
    if result.reference and not payment.provider_reference:
        payment.provider_reference = result.reference
        changed.append("provider_reference")
    if result.card_last4 and not payment.card_last4:
        payment.card_last4 = result.card_last4
        changed.append("card_last4")
    # Our "refunded" follows from the refunds we recorded, never from the provider's summary.
    target = Status.CAPTURED if result.status == GatewayStatus.REFUNDED else Status(result.status)
    if target == payment.status or target not in Payment.TRANSITIONS[Status(payment.status)]:
        if Payment.STATUS_RANK[target] > Payment.STATUS_RANK[Status(payment.status)]:
            logger.warning("payment %s: gateway says %s, we have %s", payment.pk, target, payment.status)
        if changed:
            payment.save(update_fields=[*changed, "updated_at"])
        return Result.STALE
    if target == Status.CAPTURED and (found := capture_discrepancy(payment, result)) is not None:
        kind, reported, currency = found
        logger.error(
            "payment %s: the gateway reports a capture of %s %s for a payment of %s %s (%s)",
            payment.pk, reported, currency, payment.amount_minor, payment.currency, reason,
        )  # fmt: skip
        PaymentDiscrepancy.objects.get_or_create(
            payment=payment,
            kind=kind,
            reported_minor=reported,
            reported_currency=currency,
            defaults={
                "event": event,
                "expected_minor": payment.amount_minor,
                "expected_currency": payment.currency,
                "reported_status": str(result.status),
                "source": reason[:200],
            },
        )
        if changed:
            payment.save(update_fields=[*changed, "updated_at"])
        return Result.MISMATCH
    if target == Status.REQUIRES_ACTION:
        payment.action_url = result.action_url
        changed.append("action_url")
    if target in (Status.DECLINED, Status.FAILED):
        payment.decline_code = result.decline_code
        payment.decline_message = result.decline_message or gettext_noop("The payment could not be made.")
        changed += ["decline_code", "decline_message"]
    if target == Status.CAPTURED:
        payment.captured_minor = result.captured_minor or payment.amount_minor
        payment.fee_minor = min(max(result.fee_minor, 0), payment.captured_minor)
        changed += ["captured_minor", "fee_minor"]
    previous = payment.status
    transition(
        payment, to=target, reason=reason, extra_fields=(*changed, "updated_at"), payment_id=payment.pk
    )
    _announce(payment, previous)
    return Result.APPLIED


def record_refund_result(
    payment: Payment, result: RefundResult, *, reason: str, refund: Refund | None = None
) -> str:
    """Record the provider's view of one refund of a locked payment; count it once when it succeeds."""
    if refund is None:
        refunds = Refund.objects.select_for_update().filter(payment=payment)
        refund = refunds.filter(provider_reference=result.reference).first()
        key = result.idempotency_key.removeprefix("refund:")
        if refund is None and result.idempotency_key.startswith("refund:"):
            refund = refunds.filter(idempotency_key=key, provider_reference="").first()
        if refund is None:
            logger.warning(
                "payment %s: the gateway reports an unknown refund %s", payment.pk, result.reference
            )
            return Result.UNKNOWN
    changed: list[str] = []
    if result.reference and not refund.provider_reference:
        refund.provider_reference = result.reference
        changed.append("provider_reference")
    target = Refund.Status(result.status)
    if target == refund.status or target not in Refund.TRANSITIONS[Refund.Status(refund.status)]:
        if changed:
            refund.save(update_fields=[*changed, "updated_at"])
        return Result.STALE
    transition(
        refund,
        to=target,
        reason=reason,
        extra_fields=(*changed, "updated_at"),
        refund_id=refund.pk,
        payment_id=payment.pk,
    )
    event: dict[str, object] = {"payment_id": payment.pk, "refund_id": refund.pk}
    event.update(amount_minor=refund.amount_minor, currency=refund.currency)
    if target == Refund.Status.FAILED:
        emit("refund.failed", **event)
        return Result.APPLIED
    payment.refunded_minor += refund.amount_minor
    payment.save(update_fields=["refunded_minor", "updated_at"])
    emit("refund.succeeded", **event)
    if payment.status == Status.CAPTURED and payment.refunded_minor == payment.captured_minor:
        transition(
            payment, to=Status.REFUNDED, reason=reason, extra_fields=("updated_at",), payment_id=payment.pk
        )
        _announce(payment, Status.CAPTURED)
    return Result.APPLIED


def record_answer(payment_id: int, result: GatewayResult, *, reason: str) -> Payment:
    with transaction.atomic():
        payment = lock_payment(payment_id)
        record_payment_result(payment, result, reason=reason)
        return payment
