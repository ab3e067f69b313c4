"""Payments: authorize, refresh from the gateway, capture, void."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from galerie.core.crashpoints import crash_point
from galerie.core.errors import full_clean
from galerie.core.money import Money
from galerie.core.statemachine import transition
from galerie.payments.errors import (
    GatewayObjectNotFound,
    IdempotencyKeyReused,
    PaymentNotCapturable,
    PaymentNotVoidable,
)
from galerie.payments.gateway import GatewayResult, get_gateway
from galerie.payments.models import Payment
from galerie.payments.selectors import payment_get
from galerie.payments.services.checks import (
    check_amount,
    check_key,
    check_return_url,
    lock_payment,
    outside_transaction,
    status_label,
)
from galerie.payments.services.recording import record_answer, record_payment_result, record_refund_result

Status = Payment.Status


def _check_same_amount(payment: Payment, amount: Money, key: str) -> None:
    """Refuse a key already used for another amount (IdempotencyKeyReused)."""
    if (payment.amount_minor, payment.currency) != (amount.amount_minor, amount.currency):
        raise IdempotencyKeyReused(
            f"The idempotency key “{key}” was already used for a payment of"
            f" {Money(payment.amount_minor, payment.currency)}; a retry must ask for the same amount.",
            field="idempotency_key",
        )


def _payment_for_key(*, gateway: str, amount: Money, key: str, card_last4: str, description: str) -> Payment:
    payment = Payment.objects.filter(idempotency_key=key).first()
    if payment is None:
        payment = Payment(
            gateway=gateway,
            idempotency_key=key,
            amount_minor=amount.amount_minor,
            currency=amount.currency,
            card_last4=card_last4,
            description=description,
        )
        # Fields only: the CHECK constraints hold by construction here (amount > 0 was checked, a
        # new payment has nothing captured or refunded) and the database enforces them anyway;
        # validating them would cost four queries per checkout.
        full_clean(payment, validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                payment.save()
            return payment
        except IntegrityError:
            payment = Payment.objects.get(idempotency_key=key)  # a concurrent first attempt won
    _check_same_amount(payment, amount, key)
    return payment


def payment_prepare(
    *,
    amount: Money,
    payment_method: dict[str, Any],
    idempotency_key: str,
    return_url: str,
    description: str = "",
    new: bool = False,
) -> Payment:
    """Record the pending payment that ``payment_authorize`` will send with the same arguments,
    in the caller's transaction (the checkout's reservation), and return it; calls no gateway.

    Checks what ``payment_authorize`` checks first (key, amount, return URL, the card's form:
    InvalidInput or InvalidPaymentMethod, nothing written). The row is inserted without a
    savepoint: a concurrent first use of the key makes the caller's transaction fail with
    IntegrityError (its own key races the same way). A key already used returns its payment
    (IdempotencyKeyReused for another amount). ``new``: the caller knows that no payment has
    this key yet (it records it in the same transaction as the row that owns the key, which it
    found missing), so it is not looked up: a payment that has it makes the insert fail with
    IntegrityError, as a race does.
    """
    check_key(idempotency_key)
    check_amount(amount)
    check_return_url(return_url)
    gateway = get_gateway()
    card_last4 = gateway.check_payment_method(payment_method)
    payment = None if new else Payment.objects.filter(idempotency_key=idempotency_key).first()
    if payment is None:
        payment = Payment(
            gateway=gateway.name,
            idempotency_key=idempotency_key,
            amount_minor=amount.amount_minor,
            currency=amount.currency,
            card_last4=card_last4,
            description=description,
        )
        full_clean(payment, validate_unique=False, validate_constraints=False)
        payment.save(force_insert=True)
    else:
        _check_same_amount(payment, amount, idempotency_key)
    return payment


def payment_authorize(
    *,
    amount: Money,
    payment_method: dict[str, Any],
    idempotency_key: str,
    return_url: str,
    description: str = "",
    payment: Payment | None = None,
) -> Payment:
    """Authorize ``amount`` once per key; return the payment: authorized, requires_action, declined or failed.

    A retry with the same key returns the same row and, once the gateway has answered, does not
    call it again. Raise InvalidInput or InvalidPaymentMethod (nothing written),
    IdempotencyKeyReused, GatewayUnavailable (the row stays pending: retry with the same key),
    and RuntimeError inside a transaction: no lock may be held across the gateway call.

    ``payment``: the row ``payment_prepare`` recorded for this key, as the caller just read it
    (the checkout's attempt holds it), so that it is not read again; it must be that key's.
    """
    payment, result = payment_authorize_send(
        amount=amount,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        return_url=return_url,
        description=description,
        payment=payment,
    )
    if result is None:
        return payment  # the gateway answered this key already: never ask twice
    return record_answer(payment.pk, result, reason="authorize")


def payment_authorize_send(
    *,
    amount: Money,
    payment_method: dict[str, Any],
    idempotency_key: str,
    return_url: str,
    description: str = "",
    payment: Payment | None = None,
) -> tuple[Payment, GatewayResult | None]:
    """Ask the gateway to authorize ``amount`` once per key, and return the payment with the
    gateway's answer, not yet recorded: the caller records it with
    ``payment_authorization_record`` in the transaction that acts on it (the checkout's order),
    so that the answer and its consequence commit together. The answer is None when the payment
    was already answered (never ask twice): the payment says how.

    Until the answer is recorded the payment stays pending; if it never is (a crash), a
    ``payment_refresh`` asks the gateway again by the same key. Raises what
    ``payment_authorize`` raises.
    """
    outside_transaction("payment_authorize")
    check_key(idempotency_key)
    check_amount(amount)
    check_return_url(return_url)
    gateway = get_gateway()
    card_last4 = gateway.check_payment_method(payment_method)
    if payment is not None:
        if payment.idempotency_key != idempotency_key:
            raise ValueError(f"payment {payment.pk} was not prepared with the key {idempotency_key!r}")
        _check_same_amount(payment, amount, idempotency_key)
    else:
        payment = _payment_for_key(
            gateway=gateway.name,
            amount=amount,
            key=idempotency_key,
            card_last4=card_last4,
            description=description,
        )
    if payment.status != Status.PENDING:
        return payment, None
    result = get_gateway(payment.gateway).authorize(
        amount=amount,
        payment_method=payment_method,
        idempotency_key=f"authorize:{idempotency_key}",
        return_url=return_url,
        description=description,
    )
    return payment, result


def payment_authorization_record(*, payment_id: int, result: GatewayResult) -> Payment:
    """Record the answer ``payment_authorize_send`` returned, in the caller's transaction: lock
    the payment, re-read it, move its status only forward (a webhook that came first wins), and
    return it. RuntimeError outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_authorization_record() records in the caller's transaction")
    payment = lock_payment(payment_id)
    record_payment_result(payment, result, reason="authorize")
    return payment


def payment_refresh(*, payment_id: int) -> Payment:
    """Ask the gateway for the payment's current state (and its refunds') and record it, forward only.

    For the customer's return from the confirmation page, and for the reconciler. A payment the
    provider never received (no reference, unknown key) is returned unchanged.
    """
    outside_transaction("payment_refresh")
    payment = payment_get(payment_id=payment_id)
    gateway = get_gateway(payment.gateway)
    try:
        if payment.provider_reference:
            result = gateway.retrieve(reference=payment.provider_reference)
        else:
            result = gateway.retrieve(idempotency_key=f"authorize:{payment.idempotency_key}")
    except GatewayObjectNotFound:
        if payment.provider_reference:
            raise
        return payment
    with transaction.atomic():
        payment = lock_payment(payment_id)
        record_payment_result(payment, result, reason="refresh")
        for refund in result.refunds:
            record_refund_result(payment, refund, reason="refresh")
        return payment


def payment_capture(*, payment_id: int) -> Payment:
    """Capture an authorized payment in full; return it capture_pending (a webhook confirms) or captured.

    A retry after the capture is recorded returns the payment unchanged. Raise
    PaymentNotCapturable if it is not authorized, GatewayRefused if the provider refuses.
    """
    outside_transaction("payment_capture")
    payment = payment_get(payment_id=payment_id)
    if payment.status in (Status.CAPTURE_PENDING, Status.CAPTURED, Status.REFUNDED):
        return payment
    if payment.status != Status.AUTHORIZED:
        raise PaymentNotCapturable(
            f"Only an authorized payment can be captured; this one is {status_label(payment)}."
        )
    result = get_gateway(payment.gateway).capture(
        reference=payment.provider_reference,
        amount=Money(payment.amount_minor, payment.currency),
        idempotency_key=f"capture:{payment.uuid}",
    )
    crash_point("payments.after_capture")
    return record_answer(payment.pk, result, reason="capture")


def payment_void(*, payment_id: int) -> Payment:
    """Release an authorization (or a payment awaiting confirmation) that will not be captured.

    Raise PaymentNotVoidable once it is captured, declined or failed.
    """
    outside_transaction("payment_void")
    payment = payment_get(payment_id=payment_id)
    if payment.status == Status.VOIDED:
        return payment
    if payment.status not in (Status.AUTHORIZED, Status.REQUIRES_ACTION) or not payment.provider_reference:
        raise PaymentNotVoidable(f"This payment cannot be voided: it is {status_label(payment)}.")
    result = get_gateway(payment.gateway).void(
        reference=payment.provider_reference, idempotency_key=f"void:{payment.uuid}"
    )
    return record_answer(payment.pk, result, reason="void")


def payment_abandon(*, payment_id: int) -> Payment:
    """Mark failed, in the caller's transaction, a payment still pending that the gateway never
    received (no reference: ``payment_refresh`` found nothing under its key); return it.

    For the checkout's reconciler, once the attempt that owns it has expired: without this the
    payment would wait on the gateway for ever. Any other payment is returned unchanged. Should the
    gateway authorize it after all, that answer is stale (forward only): nothing is captured.
    RuntimeError outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment_abandon() records in the caller's transaction")
    payment = lock_payment(payment_id)
    if payment.status == Status.PENDING and not payment.provider_reference:
        payment.decline_code = "not_sent"
        payment.decline_message = gettext_noop("The payment was never sent to the gateway.")
        transition(
            payment,
            to=Status.FAILED,
            reason="never sent: its checkout expired",
            extra_fields=("decline_code", "decline_message", "updated_at"),
            payment_id=payment.pk,
        )
    return payment
