"""Our side of payments: what we asked the gateway, what it answered, what its webhooks said.

Statuses only move forward (see ``STATUS_RANK`` and docs/payments.md): a late or repeated
answer from the provider can never undo a later one.
"""

import uuid

from django.db import models

# The test provider's own tables live in the same app; importing them registers them.
from galerie.payments.testgateway.models import (  # noqa: F401
    ProviderCharge,
    ProviderIdempotencyKey,
    ProviderRefund,
    ProviderWebhook,
)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    REQUIRES_ACTION = "requires_action", "Awaiting the customer's confirmation"
    AUTHORIZED = "authorized", "Authorized"
    DECLINED = "declined", "Declined"
    FAILED = "failed", "Failed"
    CAPTURE_PENDING = "capture_pending", "Being captured"
    CAPTURED = "captured", "Captured"
    VOIDED = "voided", "Voided"
    REFUNDED = "refunded", "Refunded in full"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Payment(models.Model):
    Status = PaymentStatus

    # Every edge goes to a strictly higher rank: a status never moves backwards. Skipping
    # ranks is allowed (a "captured" webhook may arrive before the capture answer is recorded).
    STATUS_RANK = {
        Status.PENDING: 0,
        Status.REQUIRES_ACTION: 1,
        Status.AUTHORIZED: 2,
        Status.CAPTURE_PENDING: 3,
        Status.CAPTURED: 4,
        Status.DECLINED: 9,
        Status.FAILED: 9,
        Status.VOIDED: 9,
        Status.REFUNDED: 9,
    }
    FINAL = frozenset({Status.DECLINED, Status.FAILED, Status.VOIDED, Status.REFUNDED})
    TRANSITIONS = {
        Status.PENDING: frozenset(
            {
                Status.REQUIRES_ACTION,
                Status.AUTHORIZED,
                Status.DECLINED,
                Status.FAILED,
                Status.CAPTURE_PENDING,
                Status.CAPTURED,
                Status.VOIDED,
            }
        ),
        Status.REQUIRES_ACTION: frozenset(
            {
                Status.AUTHORIZED,
                Status.DECLINED,
                Status.FAILED,
                Status.CAPTURE_PENDING,
                Status.CAPTURED,
                Status.VOIDED,
            }
        ),
        Status.AUTHORIZED: frozenset({Status.CAPTURE_PENDING, Status.CAPTURED, Status.VOIDED}),
        Status.CAPTURE_PENDING: frozenset({Status.CAPTURED}),
        Status.CAPTURED: frozenset({Status.REFUNDED}),
        Status.DECLINED: frozenset(),
        Status.FAILED: frozenset(),
        Status.VOIDED: frozenset(),
        Status.REFUNDED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gateway = models.CharField(max_length=32)
    provider_reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(
        max_length=100, unique=True, help_text="The caller's key for this logical payment."
    )
    amount_minor = models.BigIntegerField(help_text="In minor units (cents).")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, editable=False)
    captured_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0, help_text="Refunds the provider confirmed.")
    fee_minor = models.BigIntegerField(default=0, help_text="The gateway's fee on the capture.")
    card_last4 = models.CharField(max_length=4, blank=True)
    decline_code = models.CharField(max_length=40, blank=True)
    decline_message = models.CharField(max_length=200, blank=True)
    action_url = models.CharField(max_length=2000, blank=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0),
                name="payment_amount_positive",
                violation_error_message="The amount must be more than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_minor__gte=0)
                & models.Q(refunded_minor__lte=models.F("captured_minor"))
                & models.Q(captured_minor__lte=models.F("amount_minor")),
                name="payment_refunded_captured_amount_ordered",
                violation_error_message="0 ≤ refunded ≤ captured ≤ amount must hold.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PaymentStatus.values),
                name="payment_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(fee_minor__gte=0) & models.Q(fee_minor__lte=models.F("captured_minor")),
                name="payment_fee_within_capture",
                violation_error_message="0 ≤ fee ≤ captured must hold.",
            ),
            models.UniqueConstraint(
                fields=["gateway", "provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="payment_unique_provider_reference",
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="payment_status_updated_idx")]

    def __str__(self) -> str:
        return f"Payment {self.uuid}"


class Refund(models.Model):
    Status = RefundStatus

    TRANSITIONS = {
        Status.PENDING: frozenset({Status.SUCCEEDED, Status.FAILED}),
        Status.SUCCEEDED: frozenset(),
        Status.FAILED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    idempotency_key = models.CharField(max_length=100, unique=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, editable=False)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0),
                name="refund_amount_positive",
                violation_error_message="The refund must be more than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RefundStatus.values), name="refund_status_known"
            ),
        ]
        indexes = [models.Index(fields=["payment", "status"], name="refund_payment_status_idx")]

    def __str__(self) -> str:
        return f"Refund {self.uuid}"


class PaymentEvent(models.Model):
    """A webhook we received; the unique event id makes a second delivery a no-op."""

    class Result(models.TextChoices):
        APPLIED = "applied", "Applied"
        STALE = "stale", "Stale: a later status was already recorded"
        UNKNOWN = "unknown", "Unknown payment or refund"
        MISMATCH = "mismatch", "Not applied: amount or currency differs from the payment"

    gateway = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    result = models.CharField(max_length=8, choices=Result.choices)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="payment_event_unique_per_gateway")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class PaymentDiscrepancy(models.Model):
    """The gateway reported a capture whose amount or currency is not the payment's.

    The capture is not applied (the payment keeps its status, the order is not paid on it): the
    operator sees it on the reconciliation page and settles it with the provider.
    """

    class Kind(models.TextChoices):
        AMOUNT_BELOW = "amount_below", "Captured less than the payment"
        AMOUNT_ABOVE = "amount_above", "Captured more than the payment"
        CURRENCY = "currency", "Captured in another currency"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="discrepancies")
    event = models.ForeignKey(
        PaymentEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    expected_minor = models.BigIntegerField()
    expected_currency = models.CharField(max_length=3)
    reported_minor = models.BigIntegerField()
    reported_currency = models.CharField(max_length=3)
    reported_status = models.CharField(max_length=16)
    source = models.CharField(max_length=200, help_text="Which answer or webhook reported it.")
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "kind", "reported_minor", "reported_currency"],
                name="payment_discrepancy_once",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["amount_below", "amount_above", "currency"]),
                name="payment_discrepancy_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on payment {self.payment_id}"
