"""The test provider's own tables: what a real provider keeps on its side of the wire.

Nothing here is ours: our records are ``payments.Payment`` and ``payments.Refund``. These rows
are only read and written by ``testgateway.services`` and ``testgateway.webhooks``.
"""

from django.db import models


class ProviderCharge(models.Model):
    """A charge at the provider: authorized, then captured (or voided), then maybe refunded."""

    class Status(models.TextChoices):
        REQUIRES_ACTION = "requires_action", "Requires action"
        AUTHORIZED = "authorized", "Authorized"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Failed"
        CAPTURED = "captured", "Captured"
        VOIDED = "voided", "Voided"

    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    captured_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0, help_text="Every refund made, pending or not.")
    fee_minor = models.BigIntegerField(default=0, help_text="The provider's fee, taken at capture.")
    status = models.CharField(max_length=16, choices=Status.choices)
    card_last4 = models.CharField(max_length=4)
    card_brand = models.CharField(max_length=12)
    decline_code = models.CharField(max_length=40, blank=True)
    decline_message = models.CharField(max_length=200, blank=True)
    return_url = models.CharField(max_length=2000, blank=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "test gateway charge"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0)
                & models.Q(refunded_minor__gte=0)
                & models.Q(refunded_minor__lte=models.F("captured_minor"))
                & models.Q(captured_minor__lte=models.F("amount_minor")),
                name="provider_charge_amounts_consistent",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class ProviderRefund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    reference = models.CharField(max_length=40, unique=True)
    charge = models.ForeignKey(ProviderCharge, on_delete=models.CASCADE, related_name="refunds")
    idempotency_key = models.CharField(max_length=255, unique=True)
    amount_minor = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "test gateway refund"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.reference


class ProviderIdempotencyKey(models.Model):
    """The first response given under a key, replayed to every retry with that key."""

    key = models.CharField(max_length=255, unique=True)
    operation = models.CharField(max_length=20)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request (no card data).")
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "test gateway idempotency key"

    def __str__(self) -> str:
        return self.key


class ProviderWebhook(models.Model):
    """One delivery of one event; a duplicated event has two rows with the same ``event_id``."""

    event_id = models.CharField(max_length=40, db_index=True)
    type = models.CharField(max_length=40)
    body = models.TextField(help_text="The event as JSON; signed again at each delivery attempt.")
    scheduled_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "test gateway webhook"
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(
                fields=["scheduled_at", "id"],
                name="provider_webhook_due_idx",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
