"""The API's own rows: staff tokens and the responses kept for ``Idempotency-Key`` replays."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffApiToken(models.Model):
    """A key for the operator API, acting with the permissions of the staff user it belongs to.

    Like a seller's key: only the SHA-256 is stored, ``prefix`` tells keys apart, a revoked key
    stays for the record. A user who loses staff status loses what the key may do at once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` of one caller: the request's fingerprint and, once answered, the
    response, replayed for the same key and body for 24 hours (docs/api.md)."""

    class State(models.TextChoices):
        STARTED = "started"
        DONE = "done"

    scope = models.CharField(max_length=64)  # SHA-256 of who asked: key, token or session user
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    state = models.CharField(max_length=8, choices=State.choices, default=State.STARTED)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField()
    locked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="api_idempotency_unique")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
