"""Offers: a seller's price, stock and lead time for one variant in one condition."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.catalog.models import Variant
from galerie.sellers.models import Seller


class Condition(models.TextChoices):
    NEW = "new", _("New")
    LIKE_NEW = "like_new", _("Like new")
    REFURBISHED = "refurbished", _("Refurbished")
    USED = "used", _("Used")


# Better condition first: the buy-box rule's second key (docs/buy-box.md).
CONDITION_RANK = {Condition.NEW: 0, Condition.LIKE_NEW: 1, Condition.REFURBISHED: 2, Condition.USED: 3}


class Offer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="offers")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="offers")
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.NEW)
    seller_sku = models.CharField("seller SKU", max_length=64, blank=True)
    price_minor = models.BigIntegerField(
        help_text="In minor units (cents).",
        validators=[MinValueValidator(1, "The price must be more than zero.")],
    )
    currency = models.CharField(max_length=3, default="EUR")
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0, "Stock cannot be negative.")])
    lead_time_days = models.PositiveSmallIntegerField(
        default=2,
        help_text="Working days before dispatch.",
        validators=[MaxValueValidator(365, "The lead time is at most 365 days.")],
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stock__gte=0),
                name="offer_stock_not_negative",
                violation_error_message="Stock cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(price_minor__gt=0),
                name="offer_price_positive",
                violation_error_message="The price must be more than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(lead_time_days__lte=365),
                name="offer_lead_time_at_most_a_year",
                violation_error_message="The lead time is at most 365 days.",
            ),
            models.UniqueConstraint(
                fields=["seller", "variant", "condition"],
                name="one_offer_per_seller_variant_condition",
                violation_error_message=(
                    "This seller already has an offer for this variant in this condition."
                ),
            ),
        ]
        indexes = [
            # The buy box and the product page: a variant's live offers, cheapest first.
            models.Index(fields=["variant", "status", "price_minor"], name="offer_variant_price_idx"),
            models.Index(fields=["seller", "status", "-id"], name="offer_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}/{self.variant_id} {self.condition} {self.price_minor} {self.currency}"


class PriceHistory(models.Model):
    """Every price an offer has had, appended in the same transaction as the change.

    The lowest price of the 30 days before a reduction is what the storefront shows as the
    prior price (EU Omnibus directive); a seller can never type a "was" price.
    """

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="price_history")
    price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    valid_from = models.DateTimeField()

    class Meta:
        ordering = ["offer", "valid_from", "id"]
        verbose_name_plural = "price history"
        indexes = [
            models.Index(fields=["offer", "valid_from"], name="pricehistory_offer_idx"),
            # The storefront's "best deals" look for the price changes of the last 30 days.
            models.Index(fields=["valid_from"], name="pricehistory_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_minor__gt=0), name="pricehistory_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.price_minor} {self.currency} from {self.valid_from:%Y-%m-%d}"
