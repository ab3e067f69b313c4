"""Webhooks: the endpoints sellers and the operator subscribe, and each event's delivery to them
(docs/webhooks.md).

An endpoint belongs to a seller, or to no seller: then it is the operator's. A delivery is one
event for one endpoint, unique on (endpoint, event uuid), so that an outbox event handled twice
is never queued twice. Each try is kept (``WebhookAttempt``) for the delivery log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.sellers.models import Seller


class WebhookEndpoint(models.Model):
    seller = models.ForeignKey(
        Seller,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text="The seller it belongs to; none: the operator's.",
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=120, blank=True)
    secret = models.CharField(max_length=80, help_text="whsec_…: the key of the HMAC signature.")
    event_types = models.JSONField(default=list, help_text="The public event types it receives.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["seller", "active"], name="webhook_endpoint_owner_idx")]

    def __str__(self) -> str:
        return f"Webhook endpoint {self.pk}: {self.url}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Failed for good")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_uuid = models.UUIDField(help_text="The outbox event's uuid: the body's id.")
    event_type = models.CharField(max_length=60)
    body = models.TextField(help_text="The JSON body, exactly as sent (the signature covers these bytes).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="When a sender may take it next (also its lease).")
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redelivered_at = models.DateTimeField(null=True, blank=True, help_text="Last manual redelivery.")
    redelivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_uuid"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log_idx"),
            models.Index(fields=["-id"], name="webhook_delivery_dead_idx", condition=models.Q(status="dead")),
        ]

    def __str__(self) -> str:
        return f"Webhook delivery {self.pk}: {self.event_type} to endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try of a delivery: when, the receiver's status code or the error, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "id"]

    def __str__(self) -> str:
        return f"Attempt {self.pk} of delivery {self.delivery_id}: {self.status_code or self.error}"
