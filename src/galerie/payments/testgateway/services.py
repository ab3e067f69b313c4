"""The test provider's operations: what a real provider does behind its API.

Every operation that takes an idempotency key runs once per key: a retry gets the first
response back, and a retry with other parameters is refused. Captures and refunds settle at
once on the provider's side, but are answered "pending" and confirmed later by a webhook, as a
real provider does. Responses are plain dicts (the provider's wire format); the adapter in
``payments/gateway.py`` turns them into our dataclasses.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from galerie.payments.errors import GatewayObjectNotFound, GatewayRefused, IdempotencyKeyReused
from galerie.payments.testgateway.cards import CANCELLED_CONFIRMATION, card_check
from galerie.payments.testgateway.fees import fee_schedule
from galerie.payments.testgateway.models import ProviderCharge, ProviderIdempotencyKey, ProviderRefund
from galerie.payments.testgateway.webhooks import webhook_schedule

Status = ProviderCharge.Status


def charge_snapshot(charge: ProviderCharge, *, status: str = "") -> dict[str, Any]:
    """Return the charge as the provider shows it (in responses and webhook bodies)."""
    if not status:
        fully_refunded = charge.status == Status.CAPTURED and charge.refunded_minor == charge.captured_minor
        status = "refunded" if fully_refunded else charge.status
    return {
        "object": "charge",
        "reference": charge.reference,
        "idempotency_key": charge.idempotency_key,
        "status": status,
        "amount_minor": charge.amount_minor,
        "currency": charge.currency,
        "captured_minor": charge.captured_minor,
        "refunded_minor": charge.refunded_minor,
        "fee_minor": charge.fee_minor,
        "card_last4": charge.card_last4,
        "card_brand": charge.card_brand,
        "decline_code": charge.decline_code,
        "decline_message": charge.decline_message,
        "action_url": (
            reverse("payments:test_confirm", args=[charge.reference])
            if charge.status == Status.REQUIRES_ACTION
            else ""
        ),
    }


def refund_snapshot(refund: ProviderRefund, *, status: str = "") -> dict[str, Any]:
    return {
        "object": "refund",
        "reference": refund.reference,
        "charge": refund.charge.reference,
        "idempotency_key": refund.idempotency_key,
        "status": status or refund.status,
        "amount_minor": refund.amount_minor,
        "currency": refund.charge.currency,
    }


def _new_reference(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _fingerprint(operation: str, **params: Any) -> str:
    return hashlib.sha256(json.dumps([operation, params], sort_keys=True).encode()).hexdigest()


def _once(
    *, key: str, operation: str, fingerprint: str, perform: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``perform`` once per key, in one transaction with the key's row; replay it to retries."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = ProviderIdempotencyKey.objects.create(
                    key=key, operation=operation, fingerprint=fingerprint
                )
        except IntegrityError:
            # The key was used before (on PostgreSQL a concurrent first use makes this insert wait
            # for it to commit): replay the first response.
            stored = ProviderIdempotencyKey.objects.get(key=key)
            if (stored.operation, stored.fingerprint) != (operation, fingerprint):
                raise IdempotencyKeyReused(
                    f"The idempotency key “{key}” was already used for another request"
                    f" ({stored.operation}); a retry must repeat the same request."
                ) from None
            replayed: dict[str, Any] = stored.response
            return replayed
        response = perform()
        record.response = response
        record.save(update_fields=["response"])
        return response


def _lock_charge(reference: str) -> ProviderCharge:
    try:
        return ProviderCharge.objects.select_for_update().get(reference=reference)
    except ProviderCharge.DoesNotExist:
        raise GatewayObjectNotFound(f"The test gateway has no charge {reference!r}.") from None


def charge_authorize(
    *,
    amount_minor: int,
    currency: str,
    payment_method: dict[str, Any],
    idempotency_key: str,
    return_url: str,
    description: str,
) -> dict[str, Any]:
    """Authorize a card for an amount; the answer depends on the test card (see cards.TEST_CARDS)."""
    card = card_check(payment_method)
    if amount_minor <= 0:
        raise GatewayRefused("The amount must be more than zero.")

    def perform() -> dict[str, Any]:
        outcome = card.outcome
        charge = ProviderCharge.objects.create(
            reference=_new_reference("tch"),
            idempotency_key=idempotency_key,
            amount_minor=amount_minor,
            currency=currency,
            status=outcome.status,
            card_last4=card.last4,
            card_brand=card.brand,
            decline_code=outcome.decline_code,
            decline_message=outcome.decline_message,
            return_url=return_url,
            description=description[:200],
        )
        if charge.status != Status.REQUIRES_ACTION:
            webhook_schedule(type=f"payment.{charge.status}", obj=charge_snapshot(charge))
        return charge_snapshot(charge)

    fingerprint = _fingerprint("authorize", amount=amount_minor, currency=currency, card=card.last4)
    return _once(key=idempotency_key, operation="authorize", fingerprint=fingerprint, perform=perform)


@transaction.atomic
def charge_confirm(*, reference: str, approve: bool) -> ProviderCharge:
    """Answer the confirmation step (the hosted page): authorize, or decline if cancelled.

    A charge that is no longer waiting for confirmation is returned unchanged (a second click).
    """
    charge = _lock_charge(reference)
    if charge.status != Status.REQUIRES_ACTION:
        return charge
    if approve:
        charge.status = Status.AUTHORIZED
    else:
        charge.status = Status.DECLINED
        charge.decline_code = CANCELLED_CONFIRMATION.decline_code
        charge.decline_message = CANCELLED_CONFIRMATION.decline_message
    charge.save(update_fields=["status", "decline_code", "decline_message", "updated_at"])
    webhook_schedule(type=f"payment.{charge.status}", obj=charge_snapshot(charge))
    return charge


def charge_capture(*, reference: str, amount_minor: int, idempotency_key: str) -> dict[str, Any]:
    """Capture an authorized charge; answer capture_pending and confirm by a "payment.captured" webhook."""

    def perform() -> dict[str, Any]:
        charge = _lock_charge(reference)
        if charge.status != Status.AUTHORIZED:
            raise GatewayRefused(f"This payment cannot be captured: it is {charge.status}.")
        if not 0 < amount_minor <= charge.amount_minor:
            raise GatewayRefused(f"At most {charge.amount_minor} can be captured on this payment.")
        charge.status = Status.CAPTURED
        charge.captured_minor = amount_minor
        charge.fee_minor = fee_schedule().fee_minor(amount_minor, charge.currency)
        charge.save(update_fields=["status", "captured_minor", "fee_minor", "updated_at"])
        webhook_schedule(type="payment.captured", obj=charge_snapshot(charge))
        return charge_snapshot(charge, status="capture_pending")

    fingerprint = _fingerprint("capture", reference=reference, amount=amount_minor)
    return _once(key=idempotency_key, operation="capture", fingerprint=fingerprint, perform=perform)


def charge_void(*, reference: str, idempotency_key: str) -> dict[str, Any]:
    """Release an authorization that will not be captured (or one still awaiting confirmation)."""

    def perform() -> dict[str, Any]:
        charge = _lock_charge(reference)
        if charge.status not in (Status.AUTHORIZED, Status.REQUIRES_ACTION):
            raise GatewayRefused(f"This payment cannot be voided: it is {charge.status}.")
        charge.status = Status.VOIDED
        charge.save(update_fields=["status", "updated_at"])
        webhook_schedule(type="payment.voided", obj=charge_snapshot(charge))
        return charge_snapshot(charge)

    fingerprint = _fingerprint("void", reference=reference)
    return _once(key=idempotency_key, operation="void", fingerprint=fingerprint, perform=perform)


def refund_create(*, reference: str, amount_minor: int, idempotency_key: str) -> dict[str, Any]:
    """Refund part or all of a captured charge; answer pending, confirm by "refund.succeeded"."""

    def perform() -> dict[str, Any]:
        charge = _lock_charge(reference)
        if charge.status != Status.CAPTURED:
            raise GatewayRefused(f"This payment cannot be refunded: it is {charge.status}.")
        left = charge.captured_minor - charge.refunded_minor
        if not 0 < amount_minor <= left:
            raise GatewayRefused(f"At most {left} can be refunded on this payment; {amount_minor} asked.")
        refund = ProviderRefund.objects.create(
            reference=_new_reference("tre"),
            charge=charge,
            idempotency_key=idempotency_key,
            amount_minor=amount_minor,
            status=ProviderRefund.Status.SUCCEEDED,
        )
        charge.refunded_minor += amount_minor
        charge.save(update_fields=["refunded_minor", "updated_at"])
        webhook_schedule(type="refund.succeeded", obj=refund_snapshot(refund))
        return refund_snapshot(refund, status="pending")

    fingerprint = _fingerprint("refund", reference=reference, amount=amount_minor)
    return _once(key=idempotency_key, operation="refund", fingerprint=fingerprint, perform=perform)


def charge_retrieve(*, reference: str = "", idempotency_key: str = "") -> dict[str, Any]:
    """Return a charge's current state, with its refunds, by reference or by authorize key."""
    lookup = {"reference": reference} if reference else {"idempotency_key": idempotency_key}
    charge = ProviderCharge.objects.filter(**lookup).first() if reference or idempotency_key else None
    if charge is None:
        raise GatewayObjectNotFound(f"The test gateway has no charge {reference or idempotency_key!r}.")
    return {
        **charge_snapshot(charge),
        "refunds": [refund_snapshot(refund) for refund in charge.refunds.select_related("charge")],
    }


def charge_get(*, reference: str) -> ProviderCharge:
    """Return a charge for the hosted confirmation page; raise GatewayObjectNotFound."""
    charge = ProviderCharge.objects.filter(reference=reference).first()
    if charge is None:
        raise GatewayObjectNotFound(f"The test gateway has no charge {reference!r}.")
    return charge
