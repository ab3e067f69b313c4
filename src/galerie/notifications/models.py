"""What was e-mailed to whom, so that an outbox event delivered twice sends each e-mail once."""

from django.db import models


class SentEmail(models.Model):
    """One transactional e-mail: the row is written before the SMTP server is asked to take it.

    The unique (event, recipient, kind) is the idempotency key. ``sent_at`` is set when the
    server accepted the message; a row without it is an e-mail being sent, or whose worker died
    in between: the next delivery of its event sends it again, with the same Message-ID
    (docs/worker-and-emails.md).
    """

    class Kind(models.TextChoices):
        ORDER_PLACED = "order_placed", "Order confirmation (customer)"
        SELLER_ORDER_PLACED = "seller_order_placed", "New order (seller)"
        SELLER_ORDER_SHIPPED = "seller_order_shipped", "Parcel shipped (customer)"
        SELLER_ORDER_REFUSED = "seller_order_refused", "Part refused by the seller (customer)"
        REFUND_SUCCEEDED = "refund_succeeded", "Refund made (customer)"
        SELLER_APPLICATION_RECEIVED = "seller_application_received", "Application received (applicant)"
        SELLER_APPROVED = "seller_approved", "Application approved (seller)"
        SELLER_ADMISSION_REFUSED = "seller_admission_refused", "Storefront refused (seller)"
        SELLER_REJECTED = "seller_rejected", "Application rejected (applicant)"
        SELLER_INFO_REQUESTED = "seller_info_requested", "More information asked (applicant)"
        SELLER_SUSPENDED = "seller_suspended", "Shop suspended (seller)"
        SELLER_CLOSED = "seller_closed", "Shop closed (seller)"
        SELLER_INVITATION = "seller_invitation", "Staff invitation (invitee)"
        PROPOSAL_DECIDED = "proposal_decided", "Product proposal decided (seller)"
        SELLER_QUALITY_WARNING = "seller_quality_warning", "Quality threshold breached (seller)"
        PRODUCT_RECALL = "product_recall", "Product recall notice (buyer)"

    event_uuid = models.UUIDField(help_text="The outbox event this e-mail answers.")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    recipient = models.EmailField()
    reference = models.CharField(
        max_length=40, blank=True, help_text="The order or seller order number, to find it for support."
    )
    subject = models.CharField(max_length=255)
    language = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the SMTP server accepted it; empty: unconfirmed."
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_uuid", "recipient", "kind"], name="one_email_per_event_recipient_kind"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="sentemail_recipient_idx"),
            models.Index(fields=["reference"], name="sentemail_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"
