"""Offers: a seller's price, stock and lead time for one variant in one condition."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.catalog.models import Variant
from galerie.core.actors import is_system_label
from galerie.core.csvsafe import validate_not_formula
from galerie.core.files import private_storage
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

    # Closed is final: a closed offer is never put back on sale (the seller makes a new one).
    TRANSITIONS = {
        Status.ACTIVE: frozenset({Status.PAUSED, Status.CLOSED}),
        Status.PAUSED: frozenset({Status.ACTIVE, Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="offers")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="offers")
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.NEW)
    seller_sku = models.CharField("seller SKU", max_length=64, blank=True, validators=[validate_not_formula])
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
            # Bulk imports and the seller's search find offers by the seller's own SKU.
            models.Index(fields=["seller", "seller_sku"], name="offer_seller_sku_idx"),
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


class OfferChange(models.Model):
    """One change of one field of an offer: who, when, from, to, why; appended, never edited.

    Written in the transaction of the change by the offers' services (price, stock, status,
    SKU, lead time), by checkout's stock moves and by imports. ``actor`` is the person, if
    any; ``actor_label`` names them, or Galerie acting (``Galerie (checkout)``), and outlives
    a deleted user. ``reason`` is a person's own words, or one of :class:`Reason`'s codes when
    Galerie acts, so that every reader sees it in their language. Values are stored as text:
    the price in minor units of the offer's currency.
    """

    class Field(models.TextChoices):
        CREATED = "created", _("Listed")
        PRICE = "price", _("Price")
        STOCK = "stock", _("Stock")
        STATUS = "status", _("Status")
        SELLER_SKU = "seller_sku", _("SKU")
        LEAD_TIME = "lead_time_days", _("Lead time")

    class Reason(models.TextChoices):
        """Why Galerie changed an offer, stored as the code and read in the reader's language."""

        CHECKOUT = "checkout", _("A customer's order")
        CHECKOUT_RELEASED = "checkout_released", _("Order not paid: stock given back")
        IMPORT = "import", _("File import")
        API = "api", _("Seller API")
        PROPOSAL = "proposal", _("Product proposal accepted")
        SELLER_CLOSED = "seller_closed", _("Shop closed")
        # The marketplace's decision on a notice of illegal content (DSA art. 17), and its
        # reversal after a complaint (art. 20): only Galerie or operator staff resume the offer.
        DSA_REMOVED = "dsa_removed", _("Removed after a notice of illegal content")
        DSA_RESTORED = "dsa_restored", _("Given back after a complaint")
        RECALLED = "recalled", _("Product recalled")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=16, choices=Field.choices)
    from_value = models.CharField(max_length=64, blank=True)
    to_value = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["offer", "-id"], name="offerchange_offer_idx")]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.field}: {self.from_value} → {self.to_value} by {self.actor_label}"

    @property
    def reason_text(self) -> str:
        """The reason as the reader should see it: a code's label in their language, or the words."""
        if self.reason in self.Reason.values:
            return str(self.Reason(self.reason).label)
        return self.reason

    @property
    def by_text(self) -> str:
        """Who made the change, for the seller: the person's name, or Galerie."""
        return str(_("Galerie")) if is_system_label(self.actor_label) else self.actor_label


def offer_import_path(instance: "OfferImport", filename: str) -> str:
    return f"offer-imports/{instance.seller_id}/{uuid.uuid4().hex}-{filename[-80:]}"


class OfferImport(models.Model):
    """A seller's file of offers (CSV or XLSX): checked row by row, then applied in one go.

    ``processed_rows`` out of ``total_rows`` is the progress bar. The valid rows are applied in
    one transaction: a crash leaves none of them applied, never half (docs/offer-imports.md).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking the rows")
        APPLYING = "applying", _("Applying the valid rows")
        CHECKED = "checked", _("Checked (nothing applied)")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        Status.QUEUED: frozenset({Status.CHECKING, Status.FAILED}),
        Status.CHECKING: frozenset({Status.APPLYING, Status.CHECKED, Status.FAILED}),
        Status.APPLYING: frozenset({Status.APPLIED, Status.FAILED}),
        Status.CHECKED: frozenset(),
        Status.APPLIED: frozenset(),
        Status.FAILED: frozenset({Status.QUEUED}),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="offer_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=offer_import_path, storage=private_storage, max_length=255)
    original_name = models.CharField(max_length=255)
    check_only = models.BooleanField(default=False, help_text="Check the rows, apply nothing.")
    all_or_nothing = models.BooleanField(
        default=False, help_text="Apply the file only if every row is valid; otherwise change nothing."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, editable=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created_offers = models.PositiveIntegerField(default=0)
    updated_offers = models.PositiveIntegerField(default=0)
    unchanged_offers = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="Why the whole file was refused or the run failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["seller", "-id"], name="offerimport_seller_idx")]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.seller_id}: {self.status}"


class OfferImportError(models.Model):
    """One problem of one row of an import: where (row, column) and why."""

    offer_import = models.ForeignKey(OfferImport, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(help_text="The row number in the file, the header being row 1.")
    column = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["offer_import", "row", "id"]
        indexes = [models.Index(fields=["offer_import", "row"], name="offerimporterror_row_idx")]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.reason}"
