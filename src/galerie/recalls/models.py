"""Product recalls (GPSR, Regulation (EU) 2023/988, art. 35-37): the operator's recall of a
catalog product, and one row per buyer telling whether the recall notice reached them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.catalog.models import Product
from galerie.orders.models import Order


class Recall(models.Model):
    """A product taken off every storefront, its buyers of the period told
    (docs/product-safety-and-recalls.md)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.OneToOneField(Product, on_delete=models.PROTECT, related_name="recall")
    notice = models.JSONField(help_text='The recall notice per language: {"en": "…", "fr": "…"}.')
    buyers_since = models.DateTimeField(help_text="Orders placed from this time on are told.")
    recalled_at = models.DateTimeField()
    offers_closed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Recall of product {self.product_id}"


class RecallNotice(models.Model):
    """One buyer of a recalled product: told (``sent_at``), waiting, or why not."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("E-mailed")
        SKIPPED = "skipped", _("Not sent")

    class Skip(models.TextChoices):
        INACTIVE = "inactive", _("The customer's account is closed or erased")
        NO_EMAIL = "no_email", _("The customer has no e-mail address")

    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="notices")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="+", help_text="Their latest order of it."
    )
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    skip_reason = models.CharField(max_length=10, choices=Skip.choices, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recall", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recall", "customer"], name="one_recall_notice_per_buyer"),
        ]
        indexes = [models.Index(fields=["recall", "status", "id"], name="recallnotice_status_idx")]

    def __str__(self) -> str:
        return f"{self.recall_id} → {self.customer_id} ({self.status})"
