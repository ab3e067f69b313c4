"""Orders: what a customer bought in one checkout, split into one SellerOrder per seller.

Amounts are integer minor units in the order's currency; prices include VAT, and the VAT
part of each line is kept at the rate of its tax class on the day of the order.
"""

import re
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.catalog.models import TaxClass, Variant
from galerie.offers.models import Condition, Offer
from galerie.payments.models import Payment
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PLACED: frozenset({Status.FULFILLED, Status.CANCELLED}),
        Status.FULFILLED: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=20, unique=True)
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="orders")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField()
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED, editable=False)
    # Delivery address, as typed at checkout.
    ship_name = models.CharField(max_length=200)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_postal_code = models.CharField(max_length=16)
    ship_city = models.CharField(max_length=100)
    ship_country = models.CharField(max_length=2)
    ship_phone = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3)
    items_minor = models.BigIntegerField()
    shipping_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField(help_text="VAT included in the total.")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="order")
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "-id"], name="order_customer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_minor=models.F("items_minor") + models.F("shipping_minor"))
                & models.Q(items_minor__gt=0, shipping_minor__gte=0, vat_minor__gte=0),
                name="order_totals_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number


# The idempotency key of the refund of a refused or cancelled seller order (orders.services makes
# it, the ledger and the order page read the seller order's uuid back from it).
SELLER_ORDER_REFUND_KEY = re.compile(r"^seller-order-([0-9a-f]{32})-")


class SellerOrder(models.Model):
    """One seller's part of an order: its lines, its shipping, its own status."""

    class Status(models.TextChoices):
        NEW = "new", _("Awaiting the seller")
        ACCEPTED = "accepted", _("Accepted")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        REFUSED = "refused", _("Refused by the seller")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.NEW: frozenset({Status.ACCEPTED, Status.REFUSED, Status.CANCELLED}),
        Status.ACCEPTED: frozenset({Status.SHIPPED, Status.CANCELLED}),
        Status.SHIPPED: frozenset({Status.DELIVERED}),
        Status.DELIVERED: frozenset(),
        Status.REFUSED: frozenset(),
        Status.CANCELLED: frozenset(),
    }
    OPEN = (Status.NEW, Status.ACCEPTED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="seller_orders")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(max_length=24, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, editable=False)
    items_minor = models.BigIntegerField()
    shipping_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField()
    refunded_minor = models.BigIntegerField(default=0)
    delivery_days_min = models.PositiveSmallIntegerField()
    delivery_days_max = models.PositiveSmallIntegerField()
    # The first parcel's carrier and tracking number (each parcel has its own: Shipment); kept
    # here for the exports and the readers that show one parcel per seller order.
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    refusal_reason = models.TextField(blank=True)
    # When the seller accepted it (seller quality: the acceptance delay counts from placed_at).
    accepted_at = models.DateTimeField(null=True, blank=True)
    # When the first parcel left (the late-shipment figure counts it).
    shipped_at = models.DateTimeField(null=True, blank=True)
    # When the last item reached the customer: the latest delivery of its parcels (Shipment), set
    # when every line is in a delivered parcel. The withdrawal period and the payouts count from it.
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [
            models.Index(fields=["seller", "status", "-id"], name="sellerorder_seller_idx"),
            models.Index(fields=["status", "delivered_at"], name="sellerorder_delivered_idx"),
            models.Index(fields=["tracking_number"], name="sellerorder_tracking_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_minor=models.F("items_minor") + models.F("shipping_minor"))
                & models.Q(refunded_minor__gte=0, refunded_minor__lte=models.F("total_minor")),
                name="seller_order_totals_add_up",
            ),
            models.UniqueConstraint(fields=["order", "seller"], name="one_seller_order_per_seller"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def accept_by(self) -> datetime:
        """When the seller must have accepted it: after that the acceptance-deadline job cancels
        and refunds it (orders/deadlines.py). Reads the order and its storefront."""
        return self.order.placed_at + timedelta(hours=self.order.storefront.accept_within_hours)


class OrderLine(models.Model):
    """What was bought, as it was at checkout: titles and prices are copied, not joined."""

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="order_lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    product_title = models.CharField(max_length=255)
    variant_name = models.CharField(max_length=120, blank=True)
    condition = models.CharField(max_length=12, choices=Condition.choices)
    seller_sku = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    tax_class = models.CharField(max_length=16, choices=TaxClass.choices)
    vat_rate_bp = models.PositiveIntegerField(help_text="VAT rate in basis points: 2000 = 20 %.")
    vat_minor = models.BigIntegerField()
    # The operator's commission, fixed at order time (see galerie.ledger.commissions).
    commission_rate_bp = models.PositiveIntegerField(default=0)
    commission_fixed_fee_minor = models.BigIntegerField(default=0, help_text="Included in commission.")
    commission_minor = models.BigIntegerField(default=0, help_text="On the line, VAT excluded.")
    commission_shipping_minor = models.BigIntegerField(
        default=0, help_text="This line's share of the commission on shipping."
    )
    commission_vat_rate_bp = models.PositiveIntegerField(default=0)
    commission_vat_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["seller_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0, unit_price_minor__gt=0)
                & models.Q(total_minor=models.F("unit_price_minor") * models.F("quantity")),
                name="order_line_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_title}"


class Shipment(models.Model):
    """One parcel of a seller order: its carrier, tracking number, lines and dates.

    A seller order ships in one or several parcels; it is ``shipped`` from its first parcel and
    ``delivered`` when every line is in a delivered parcel (docs/delivery.md).
    """

    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="shipments")
    number = models.PositiveSmallIntegerField(help_text="1 for the first parcel of the seller order.")
    carrier = models.CharField(max_length=60)
    tracking_number = models.CharField(max_length=60)
    shipped_at = models.DateTimeField()
    # The click of the seller or the customer, the carrier's scan (not before shipped_at), or
    # shipped_at + the storefront's deemed_delivered_days.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seller_order", "number"]
        indexes = [
            models.Index(fields=["tracking_number"], name="shipment_tracking_idx"),
            models.Index(fields=["delivered_at", "shipped_at"], name="shipment_undelivered_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["seller_order", "number"], name="one_shipment_number_per_order"),
            models.CheckConstraint(
                condition=models.Q(delivered_at__isnull=True)
                | models.Q(delivered_at__gte=models.F("shipped_at")),
                name="shipment_delivered_after_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller_order_id} #{self.number} {self.carrier} {self.tracking_number}"


class ShipmentLine(models.Model):
    """How many of one order line went in one parcel."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["shipment", "order_line"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="one_shipment_line_per_line"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line_id}"


class SellerQualityWarning(models.Model):
    """A seller warned that one quality figure breached a storefront's threshold in one window.

    The unique (seller, storefront, figure, window_start) is what makes the warning job send at
    most one e-mail per seller × storefront × figure per window, also when two workers run it
    at once (galerie.orders.quality).
    """

    class Figure(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance rate")
        LATE = "late", _("Late shipments")
        REFUSAL = "refusal", _("Refusals")
        REFUND = "refund", _("Refunds")

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="quality_warnings")
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="+")
    figure = models.CharField(max_length=12, choices=Figure.choices)
    window_start = models.DateField(help_text="First day of the window the warning counts for.")
    value_bp = models.PositiveIntegerField(help_text="The seller's figure, in basis points.")
    threshold_bp = models.PositiveIntegerField(help_text="The storefront's threshold, in basis points.")
    orders = models.PositiveIntegerField(help_text="Seller orders received in the window so far.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "storefront", "figure", "window_start"],
                name="one_quality_warning_per_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} on {self.storefront_id}: {self.figure} {self.value_bp} bp"
