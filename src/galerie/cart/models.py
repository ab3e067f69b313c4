"""Carts: one per customer (or guest session) and storefront, lines pointing at offers.

A cart holds no truth about money: prices and stock are read again from the offers on
every view, and ``price_seen_minor`` only lets the page say that a price changed.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from galerie.offers.models import Offer
from galerie.storefronts.models import Storefront

MAX_QUANTITY = 99


class Cart(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="carts")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "customer"],
                condition=models.Q(customer__isnull=False),
                name="one_cart_per_customer_storefront",
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.uuid.hex[:8]}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(1, "The quantity is at least 1."),
            MaxValueValidator(MAX_QUANTITY, f"The quantity is at most {MAX_QUANTITY}."),
        ]
    )
    price_seen_minor = models.BigIntegerField(help_text="The price the customer last saw.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cart", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offer"], name="one_line_per_offer"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="cart_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × offer {self.offer_id}"
