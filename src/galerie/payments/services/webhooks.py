"""Incoming webhooks: verified, recorded once per event id, applied forward only."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction

from galerie.payments.gateway import GatewayResult, RefundResult, get_gateway
from galerie.payments.models import Payment, PaymentEvent
from galerie.payments.services.checks import lock_payment
from galerie.payments.services.recording import record_payment_result, record_refund_result

logger = logging.getLogger(__name__)

Result = PaymentEvent.Result


def _payment_for_event(
    gateway: str, payment: GatewayResult | None, refund: RefundResult | None
) -> Payment | None:
    reference = payment.reference if payment else refund.payment_reference if refund else ""
    candidates = Payment.objects.filter(gateway=gateway)
    pk = (
        candidates.filter(provider_reference=reference).values_list("pk", flat=True).first()
        if reference
        else None
    )
    if pk is None and payment and payment.idempotency_key.startswith("authorize:"):
        # The event may come before we recorded the reference the provider answered with.
        key = payment.idempotency_key.removeprefix("authorize:")
        pk = (
            candidates.filter(idempotency_key=key, provider_reference="").values_list("pk", flat=True).first()
        )
    return lock_payment(pk) if pk else None


def webhook_handle(*, gateway: str, body: bytes, headers: Mapping[str, str]) -> PaymentEvent | None:
    """Verify a webhook, record it once per event id and apply it; return None for a repeat.

    A status only moves forward: a late, repeated or out-of-order event is recorded as stale and
    changes nothing else. Raise UnknownGateway, WebhookSignatureInvalid or WebhookMalformed
    (nothing written).
    """
    event = get_gateway(gateway).parse_webhook(body, headers)
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
            return None  # delivered before (or right now, concurrently): processed once
        payment = _payment_for_event(gateway, event.payment, event.refund)
        if payment is None:
            logger.warning("%s webhook %s (%s) matches no payment", gateway, event.id, event.type)
            return record
        reason = f"webhook {event.type} {event.id}"
        if event.payment is not None:
            record.result = record_payment_result(payment, event.payment, reason=reason)
        elif event.refund is not None:
            record.result = record_refund_result(payment, event.refund, reason=reason)
        record.payment = payment
        record.save(update_fields=["result", "payment"])
        return record
