"""Withdrawals and returns: the withdrawal period of each seller order of a professional seller,
the customer's withdrawal or defect claim (a ``Return`` with its lines), and its refund.

Amounts are integer minor units in the order's currency (docs/withdrawal-and-returns.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.core.files import private_storage
from galerie.orders.models import OrderLine, SellerOrder
from galerie.payments.models import Refund


class WithdrawalPeriod(models.Model):
    """The 14-day withdrawal period of one delivered seller order of a professional seller.

    ``ends_at`` is the end of the 14th day after delivery (extended to the next working day,
    L221-19); the job ``returns.withdrawal_periods`` opens it after delivery and moves it to
    ``over`` at ``ends_at``. Pages and services compare with ``ends_at`` themselves, so the
    function disappears at that instant even if the job is late.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Withdrawal open")
        OVER = "over", _("Withdrawal period over")

    TRANSITIONS = {Status.OPEN: frozenset({Status.OVER}), Status.OVER: frozenset()}

    seller_order = models.OneToOneField(
        SellerOrder, on_delete=models.PROTECT, related_name="withdrawal_period"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, editable=False)
    starts_at = models.DateTimeField(help_text="The delivery of the last item (SellerOrder.delivered_at).")
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "ends_at"], name="withdrawal_period_due_idx")]

    def __str__(self) -> str:
        return f"{self.seller_order_id}: {self.status} until {self.ends_at:%Y-%m-%d}"


def return_label_path(instance: Return, filename: str) -> str:
    return f"returns/{instance.uuid.hex}/label-{uuid.uuid4().hex[:8]}.pdf"


class Return(models.Model):
    """A customer's withdrawal (art. L221-18) or defect claim (L217-3) on part of one seller order.

    requested → instructed (the seller's return instructions) → received → refunding → refunded;
    or refused (the seller says no, with a reason; the operator may still refund).
    """

    class Reason(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        DEFECT = "defect", _("Defect (legal guarantee of conformity)")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Declared, awaiting the seller's instructions")
        INSTRUCTED = "instructed", _("Return instructions given")
        RECEIVED = "received", _("Items received by the seller")
        REFUNDING = "refunding", _("Refund being made")
        REFUNDED = "refunded", _("Refunded")
        REFUSED = "refused", _("Refused by the seller")

    TRANSITIONS = {
        Status.REQUESTED: frozenset({Status.INSTRUCTED, Status.RECEIVED, Status.REFUNDING, Status.REFUSED}),
        Status.INSTRUCTED: frozenset({Status.INSTRUCTED, Status.RECEIVED, Status.REFUNDING, Status.REFUSED}),
        Status.RECEIVED: frozenset({Status.REFUNDING, Status.REFUSED}),
        # The operator overrules a refusal by refunding.
        Status.REFUSED: frozenset({Status.REFUNDING}),
        Status.REFUNDING: frozenset({Status.REFUNDED}),
        Status.REFUNDED: frozenset(),
    }
    OPEN = (Status.REQUESTED, Status.INSTRUCTED, Status.RECEIVED, Status.REFUNDING)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="returns")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, editable=False)
    declared_at = models.DateTimeField(help_text="When the customer confirmed the statement.")
    refund_due_by = models.DateTimeField(help_text="L221-24: 14 days after a withdrawal statement.")
    defect_description = models.TextField(blank=True)
    items_minor = models.BigIntegerField(help_text="The price of the lines returned.")
    shipping_minor = models.BigIntegerField(
        default=0, help_text="The standard delivery refunded: only when the whole seller order is returned."
    )
    # What the withdrawal took off the seller's balances until its refund or closing (never
    # made available meanwhile): payable, available, debt, commission, commission VAT.
    held_minor = models.JSONField(default=dict, blank=True)
    instructions = models.TextField(blank=True)
    label = models.FileField(upload_to=return_label_path, storage=private_storage, max_length=255, blank=True)
    instructed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    inspection_note = models.TextField(blank=True)
    depreciation_minor = models.BigIntegerField(default=0)
    depreciation_reason = models.TextField(blank=True)
    refund_minor = models.BigIntegerField(null=True, blank=True)
    refund = models.OneToOneField(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refunded_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    overruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["seller_order", "status"], name="return_part_idx"),
            models.Index(fields=["status", "refund_due_by"], name="return_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(items_minor__gt=0, shipping_minor__gte=0, depreciation_minor__gte=0)
                & models.Q(depreciation_minor__lte=models.F("items_minor")),
                name="return_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"return {self.pk} of {self.seller_order_id}"

    @property
    def amount_due_minor(self) -> int:
        """What the customer gets back: items + standard delivery − depreciation."""
        return self.items_minor + self.shipping_minor - self.depreciation_minor


class ReturnLine(models.Model):
    """How many of one order line the customer sends back, and at what price."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount_minor = models.BigIntegerField()
    # Sealed goods (L221-28 5° and 9°): the customer's own statement that the seal is intact.
    seal_intact = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["ret", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0, amount_minor__gt=0), name="return_line_qty"
            ),
            models.UniqueConstraint(fields=["ret", "order_line"], name="one_return_line_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line_id}"
