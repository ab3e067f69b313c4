"""A checkout attempt: the stock it reserved, the payment it started, the order it made.

The attempt is the unit of idempotency of a checkout: its key comes from the checkout page,
so a double click or a network retry finds the same attempt and never charges twice.
"""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from galerie.offers.models import Offer
from galerie.orders.models import Order
from galerie.payments.models import Payment
from galerie.storefronts.models import Storefront


class CheckoutAttempt(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", "Stock reserved, payment under way"
        COMPLETED = "completed", "Order placed"
        DECLINED = "declined", "Payment declined, stock released"
        EXPIRED = "expired", "Expired, stock released"
        FAILED = "failed", "Payment taken but no order: to refund"
        REFUNDED = "refunded", "Payment given back, stock released"

    TRANSITIONS = {
        Status.RESERVED: frozenset({Status.COMPLETED, Status.DECLINED, Status.EXPIRED, Status.FAILED}),
        Status.FAILED: frozenset({Status.REFUNDED}),
        Status.EXPIRED: frozenset({Status.REFUNDED}),
        Status.COMPLETED: frozenset(),
        Status.DECLINED: frozenset(),
        Status.REFUNDED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=64, unique=True)
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cart_id_snapshot = models.IntegerField(null=True, help_text="The cart emptied when the order is placed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED, editable=False)
    quote = models.JSONField(encoder=DjangoJSONEncoder, help_text="Lines, shipping and totals as priced.")
    address = models.JSONField(encoder=DjangoJSONEncoder)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout_attempt"
    )
    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout_attempt"
    )
    message = models.TextField(blank=True, help_text="What the customer was told.")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="attempt_open_idx",
                condition=models.Q(status__in=["reserved", "failed", "expired"]),
            )
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="attempt_amount")]

    def __str__(self) -> str:
        return f"Checkout {self.uuid.hex[:8]} ({self.status})"


class StockReservation(models.Model):
    """Stock taken from an offer for an attempt; given back if the attempt does not complete."""

    attempt = models.ForeignKey(CheckoutAttempt, on_delete=models.CASCADE, related_name="reservations")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    released = models.BooleanField(default=False)

    class Meta:
        ordering = ["attempt", "offer"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "offer"], name="one_reservation_per_offer"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="reservation_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of offer {self.offer_id} for {self.attempt_id}"
