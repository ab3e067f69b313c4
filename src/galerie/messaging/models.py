"""Messages: one thread per seller order between its customer and its seller, which the operator
reads and joins when either party asks (docs/messaging.md).

The thread keeps, per party, how many messages it has not read (``*_unread``) and up to which
message it has read: both change under the thread's row lock (posting, reading), so they agree.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.core.files import private_storage
from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


class Party(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    SELLER = "seller", _("Seller")
    OPERATOR = "operator", _("Marketplace")


class Thread(models.Model):
    """The conversation of one seller order. Created by its first message (a page never writes)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Between customer and seller")
        OPERATOR_ASKED = "operator_asked", _("Operator asked to step in")
        OPERATOR_DONE = "operator_done", _("Operator stepped out")

    TRANSITIONS = {
        Status.OPEN: frozenset({Status.OPERATOR_ASKED}),
        Status.OPERATOR_ASKED: frozenset({Status.OPERATOR_DONE}),
        Status.OPERATOR_DONE: frozenset({Status.OPERATOR_ASKED}),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller_order = models.OneToOneField(SellerOrder, on_delete=models.PROTECT, related_name="thread")
    # Copies of the seller order's parties, for scoped and indexed lists and counts.
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="threads")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads")
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, editable=False)
    operator_reason = models.TextField(blank=True, help_text="Why a party asked the operator in (masked).")
    operator_asked_by = models.CharField(max_length=10, choices=Party.choices, blank=True)
    operator_asked_at = models.DateTimeField(null=True, blank=True)
    customer_unread = models.PositiveIntegerField(default=0)
    seller_unread = models.PositiveIntegerField(default=0)
    operator_unread = models.PositiveIntegerField(default=0)
    customer_read_upto = models.BigIntegerField(default=0, help_text="Last message id the customer read.")
    seller_read_upto = models.BigIntegerField(default=0)
    operator_read_upto = models.BigIntegerField(default=0)
    # The first customer message the seller has not answered yet (response time).
    awaiting_since = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["seller", "-last_message_at"], name="thread_seller_idx"),
            models.Index(fields=["customer", "-last_message_at"], name="thread_customer_idx"),
            models.Index(fields=["status", "-operator_asked_at"], name="thread_status_idx"),
        ]

    def __str__(self) -> str:
        return f"thread of {self.seller_order_id}"


class Message(models.Model):
    """One message: its body as the other party sees it (contact details masked), its author."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    party = models.CharField(max_length=10, choices=Party.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(help_text="Masked: the contact details typed in are replaced.")
    masked = models.BooleanField(default=False, help_text="Whether contact details were masked.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["thread", "id"]
        indexes = [models.Index(fields=["thread", "id"], name="message_thread_idx")]

    def __str__(self) -> str:
        return f"{self.party} #{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"messages/{instance.uuid.hex[:2]}/{instance.uuid.hex}/{filename}"


class Attachment(models.Model):
    """A picture (re-encoded, without metadata) or a PDF, in the private storage: served only by
    views that check the requester is a party of the thread or operator staff."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, storage=private_storage, max_length=255)
    original_name = models.CharField(max_length=255, help_text="As uploaded, contact details masked.")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["message", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class SellerResponse(models.Model):
    """One customer message and the seller's first reply after it: the seller's response time.

    ``asked`` is the first customer message since the seller last wrote; the customer's next
    messages before the reply count with it (the question is one)."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="responses")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="+")
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="+")
    asked = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="response")
    reply = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    seconds = models.PositiveIntegerField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["storefront", "asked_at", "seller"], name="response_storefront_idx"),
            models.Index(fields=["seller", "asked_at"], name="response_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}: {self.seconds} s"
