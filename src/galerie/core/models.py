"""Cross-cutting tables: the outbox of events and the history of status changes."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it reports.

    Workers deliver it (e-mails, webhooks, index updates) after commit, at least once;
    consumers make delivery idempotent with ``uuid``. ``available_at`` is when a worker may
    next take it: a worker that claims it pushes it forward by a lease, a failed attempt by
    the back-off (see ``core/delivery.py`` and docs/worker-and-emails.md).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(max_length=100)
    payload = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed deliveries so far.")
    last_error = models.TextField(blank=True)
    request_id = models.CharField(
        max_length=64, blank=True, help_text="The request or task that wrote it (core/requestid.py)."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], name="outbox_pending_idx", condition=models.Q(delivered_at__isnull=True)
            ),
            models.Index(fields=["topic", "id"], name="outbox_topic_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class StatusChange(models.Model):
    """One row per state-machine transition of any model: who, when, from, to, why."""

    model = models.CharField(max_length=100, help_text="app_label.ModelName")
    object_pk = models.CharField(max_length=64)
    from_status = models.CharField(max_length=32)
    to_status = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["model", "object_pk", "id"], name="statuschange_object_idx")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_pk}: {self.from_status} → {self.to_status}"
