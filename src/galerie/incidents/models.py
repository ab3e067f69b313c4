"""Incidents: a customer's problem with one seller order (not received, damaged, not as
described, wrong item), the seller's answer, the customer's acceptance or escalation, the
operator's decision (docs/incidents.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.core.files import private_storage
from galerie.orders.models import SellerOrder
from galerie.payments.models import Refund
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


class Incident(models.Model):
    class Kind(models.TextChoices):
        NOT_RECEIVED = "not_received", _("Not received")
        DAMAGED = "damaged", _("Damaged")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        WRONG_ITEM = "wrong_item", _("Wrong item")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the seller's answer")
        ANSWERED = "answered", _("Answered by the seller")
        RESOLVED = "resolved", _("Resolved")
        ESCALATED = "escalated", _("With the marketplace")
        DECIDED = "decided", _("Decided by the marketplace")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.OPEN: frozenset({Status.ANSWERED, Status.ESCALATED}),
        Status.ANSWERED: frozenset({Status.RESOLVED, Status.ESCALATED}),
        Status.RESOLVED: frozenset(),
        Status.ESCALATED: frozenset({Status.DECIDED}),
        Status.DECIDED: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }
    UNSETTLED = (Status.OPEN, Status.ANSWERED, Status.ESCALATED, Status.DECIDED)

    class Proposal(models.TextChoices):
        REFUND_FULL = "refund_full", _("Full refund")
        REFUND_PARTIAL = "refund_partial", _("Partial refund")
        REPLACEMENT = "replacement", _("Replacement")
        RETURN_NEEDED = "return_needed", _("Return the item first")
        REJECTED = "rejected", _("Rejected")

    class Decision(models.TextChoices):
        REFUND_SELLER = "refund_seller", _("Refund, taken from the seller's part")
        REFUND_OPERATOR = "refund_operator", _("Refund paid by the marketplace, charged to the seller")
        REJECTED = "rejected", _("Rejected")

    class EscalatedBy(models.TextChoices):
        CUSTOMER = "customer", _("the customer")
        DEADLINE = "deadline", _("the seller's deadline")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="incidents")
    # Copied from the seller order, for the scoped lists (seller dashboard, deadline job).
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="incidents")
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="incidents")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    opened_at = models.DateTimeField()
    # opened_at + the storefront's incident_answer_hours, fixed when opened.
    answer_due_at = models.DateTimeField()
    # The seller's answer.
    proposal = models.CharField(max_length=16, choices=Proposal.choices, blank=True)
    proposal_amount_minor = models.BigIntegerField(default=0)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_by = models.CharField(max_length=10, choices=EscalatedBy.choices, blank=True)
    escalation_note = models.TextField(blank=True)
    # The operator's decision.
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The refund agreed (by the customer's acceptance or the operator's decision): reserved on the
    # seller order when agreed, asked of the gateway after commit with ``refund_key``.
    refund_minor = models.BigIntegerField(default=0)
    refund_key = models.CharField(max_length=100, blank=True)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "answer_due_at"], name="incident_due_idx"),
            models.Index(fields=["seller", "status", "-id"], name="incident_seller_idx"),
            models.Index(fields=["status", "escalated_at"], name="incident_queue_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seller_order"],
                condition=models.Q(status__in=["open", "answered", "escalated", "decided"]),
                name="one_unsettled_incident_per_seller_order",
            ),
            models.CheckConstraint(
                condition=models.Q(refund_minor__gte=0, proposal_amount_minor__gte=0),
                name="incident_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.seller_order_id}"


def incident_photo_path(photo: IncidentPhoto, filename: str) -> str:
    return f"incidents/{photo.incident.uuid.hex}/{filename}"


class IncidentPhoto(models.Model):
    """A picture the customer joined, in the private storage; served only to the parties."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=incident_photo_path, storage=private_storage, max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name
