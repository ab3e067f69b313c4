"""Incoming webhooks: verified, recorded once per event id, applied forward only."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Q

from galerie.core.crashpoints import crash_point
from galerie.core.money import Money
from galerie.payments.errors import CaptureExceedsPayment
from galerie.payments.gateway import GatewayResult, RefundResult, WebhookEvent, get_gateway
from galerie.payments.models import Payment, PaymentDiscrepancy, PaymentEvent
from galerie.payments.services.checks import lock_payment
from galerie.payments.services.recording import (
    capture_discrepancy,
    record_payment_result,
    record_refund_result,
)

logger = logging.getLogger(__name__)

Result = PaymentEvent.Result


def _payment_for_event(
    gateway: str, payment: GatewayResult | None, refund: RefundResult | None
) -> Payment | None:
    reference = payment.reference if payment else refund.payment_reference if refund else ""
    match = Q(provider_reference=reference) if reference else Q(pk__in=[])
    if payment and payment.idempotency_key.startswith("authorize:"):
        # The event may come before we recorded the reference the provider answered with. One
        # query for both: with two, the answer could commit the reference between them, and the
        # event would match neither (recorded "unknown", its redeliveries ignored).
        key = payment.idempotency_key.removeprefix("authorize:")
        match |= Q(idempotency_key=key, provider_reference__in=["", reference])
    pk = Payment.objects.filter(match, gateway=gateway).values_list("pk", flat=True).first()
    return lock_payment(pk) if pk else None


def webhook_handle(*, gateway: str, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
    """Verify a webhook, record it once per event id and apply it; return None for a repeat.

    A status only moves forward: a late, repeated or out-of-order event is recorded as stale and
    changes nothing else. A capture of another amount or currency than the payment's is recorded
    as a discrepancy and not applied; one above the payment's amount then raises
    CaptureExceedsPayment (recorded, and raised again on every redelivery). Raise UnknownGateway,
    WebhookSignatureInvalid or WebhookMalformed (nothing written).
    """
    event = get_gateway(gateway).parse_webhook(body, headers)
    crash_point("payments.webhook_received")
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = PaymentEvent.objects.create(
                    gateway=gateway,
                    event_id=event.id,
                    type=event.type,
                    payload=event.payload,
                    result=Result.UNKNOWN,
                )
        except IntegrityError:
            # Delivered before (or right now, concurrently): processed once.
            _refuse_over_capture(gateway, event)
            return None
        payment = _payment_for_event(gateway, event.payment, event.refund)
        if payment is None:
            logger.warning("%s webhook %s (%s) matches no payment", gateway, event.id, event.type)
            return record
        reason = f"webhook {event.type} {event.id}"
        if event.payment is not None:
            record.result = record_payment_result(payment, event.payment, reason=reason, event=record)
        elif event.refund is not None:
            record.result = record_refund_result(payment, event.refund, reason=reason)
        record.payment = payment
        record.save(update_fields=["result", "payment"])
    crash_point("payments.webhook_applied")
    _refuse_over_capture(gateway, event)  # after the commit: the discrepancy stays recorded
    return record


def _refuse_over_capture(gateway: str, event: WebhookEvent) -> None:
    """Raise CaptureExceedsPayment if this (recorded) event reports a capture above its payment's amount."""
    record = (
        PaymentEvent.objects.filter(gateway=gateway, event_id=event.id, result=Result.MISMATCH)
        .select_related("payment")
        .first()
    )
    if record is None or record.payment is None or event.payment is None:
        return
    found = capture_discrepancy(record.payment, event.payment)
    if found is not None and found[0] == PaymentDiscrepancy.Kind.AMOUNT_ABOVE:
        payment = record.payment
        raise CaptureExceedsPayment(
            f"This capture of {Money(found[1], found[2])} is more than payment {payment.uuid}'s"
            f" {Money(payment.amount_minor, payment.currency)}: it was recorded as a discrepancy for"
            " the operator and not applied.",
            field="amount_minor",
        )
