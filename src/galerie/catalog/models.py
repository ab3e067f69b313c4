"""The shared catalog: one product page, many offers.

Category is a materialised-path tree (django-treebeard): a subtree is one indexed
prefix query on ``path``, however deep. Attribute values live in JSON on Product and
Variant and are checked against the ProductType's schema by the services.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from galerie.catalog.safety import validate_contact, validate_country, validate_safety_information
from galerie.core.identifiers import validate_gtin


class TaxClass(models.TextChoices):
    STANDARD = "standard", _("Standard rate")
    REDUCED = "reduced", _("Reduced rate")
    SUPER_REDUCED = "super_reduced", _("Super-reduced rate")
    ZERO = "zero", _("Zero rate")


class Category(MP_Node):
    # Annotated: treebeard's MP_Node has no types, so the field types cannot be inferred.
    name: models.CharField[str, str] = models.CharField(max_length=120)
    slug: models.SlugField[str, str] = models.SlugField(max_length=140, unique=True)
    description: models.TextField[str, str] = models.TextField(blank=True)

    node_order_by: list[str] = []

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    # The name's normal form (catalog.matching.normalise.brand_key), kept by save(); what product
    # matching looks brands up by. Rows written in bulk get theirs from the matcher's first batch.
    # A default in the database too: the seeder writes brands with COPY, naming its columns.
    match_key = models.CharField(max_length=120, blank=True, default="", db_default="", editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="brand_name_idx"),
            models.Index(fields=["match_key"], name="brand_match_key_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        from galerie.catalog.matching.normalise import brand_key  # the matching package imports models

        self.match_key = brand_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "match_key"}
        super().save(*args, **kwargs)


class ProductType(models.Model):
    class WithdrawalException(models.TextChoices):
        """The exceptions to the right of withdrawal (Code de la consommation L221-28, directive
        2011/83/EU art. 16) a product type falls under (docs/withdrawal-and-returns.md)."""

        NONE = "none", _("None: the right of withdrawal applies")
        PERSONALISED = "personalised", _("Made to the customer's specifications or personalised")
        SEALED_HYGIENE = "sealed_hygiene", _("Sealed for health or hygiene, not returnable once unsealed")
        SEALED_MEDIA = "sealed_media", _("Sealed audio, video or software, not returnable once unsealed")
        PRESS = "press", _("Newspaper, periodical or magazine")
        PERISHABLE = "perishable", _("Liable to deteriorate or expire rapidly")

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    tax_class = models.CharField(max_length=16, choices=TaxClass.choices, default=TaxClass.STANDARD)
    withdrawal_exception = models.CharField(
        max_length=16, choices=WithdrawalException.choices, default=WithdrawalException.NONE
    )
    # What makes a product a book for the French fixed book price (catalog.books.is_book,
    # docs/loi-lang.md). A default in the database too: the seeder writes with COPY.
    is_book = models.BooleanField(
        "book (fixed book price)",
        default=False,
        db_default=False,
        help_text="Books under the French fixed book price (loi Lang): a new copy sells at the"
        " publisher's price, delivery is never free.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AttributeDefinition(models.Model):
    """One typed attribute of a product type, on the product or on each variant."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        BOOLEAN = "boolean", _("Yes / no")
        CHOICE = "choice", _("One of a list")

    class Level(models.TextChoices):
        PRODUCT = "product", _("Product")
        VARIANT = "variant", _("Variant")

    product_type = models.ForeignKey(ProductType, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.PRODUCT)
    unit = models.CharField(max_length=16, blank=True, help_text="Shown after the value: in, GB, cm …")
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of a choice attribute.")
    is_required = models.BooleanField(default=False)
    is_key = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Tells one product from another of the same brand and title (capacity, colour,"
        " author, format): product matching compares it.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product_type", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product_type", "code"], name="attribute_code_unique_per_type"),
        ]

    def __str__(self) -> str:
        return f"{self.product_type.code}.{self.code}"


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.PROTECT, related_name="products")
    title = models.CharField(max_length=255)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # A book's publisher's price (prix éditeur, loi 81-766): what a new copy sells at.
    publisher_price_minor = models.BigIntegerField(
        "publisher's price",
        null=True,
        blank=True,
        help_text="Books: the price the publisher set, in minor units (cents), VAT included.",
    )
    publisher_price_currency = models.CharField(
        "publisher's price currency", max_length=3, blank=True, default="", db_default=""
    )
    # Product safety (GPSR, Regulation (EU) 2023/988 art. 19): who made it, and who answers for it
    # in the EU when its maker is outside; catalog/safety.py says what a listing needs.
    manufacturer_name = models.CharField(_("manufacturer"), max_length=200, blank=True)
    manufacturer_address = models.TextField(_("manufacturer's postal address"), blank=True)
    manufacturer_country = models.CharField(
        _("manufacturer's country"),
        max_length=2,
        blank=True,
        validators=[validate_country],
        help_text="ISO 3166 code: FR, DE, CN …",
    )
    manufacturer_contact = models.CharField(
        _("manufacturer's e-mail or website"), max_length=254, blank=True, validators=[validate_contact]
    )
    responsible_name = models.CharField(
        _("EU responsible person"),
        max_length=200,
        blank=True,
        help_text="Required when the manufacturer is outside the EU (GPSR art. 16, 19).",
    )
    responsible_address = models.TextField(_("responsible person's postal address"), blank=True)
    responsible_country = models.CharField(
        _("responsible person's country"), max_length=2, blank=True, validators=[validate_country]
    )
    responsible_contact = models.CharField(
        _("responsible person's e-mail or website"), max_length=254, blank=True, validators=[validate_contact]
    )
    safety_information = models.JSONField(
        _("warnings and safety information"),
        default=dict,
        blank=True,
        validators=[validate_safety_information],
        help_text='Per storefront language: {"en": "…", "fr": "…"}.',
    )
    recall_period_months = models.PositiveSmallIntegerField(
        _("recall period (months)"),
        null=True,
        blank=True,
        help_text="How far back a recall reaches buyers; empty: 36 months.",
    )
    recalled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["category", "status", "-id"], name="product_category_idx"),
            models.Index(fields=["brand", "status"], name="product_brand_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(publisher_price_minor__isnull=True, publisher_price_currency="")
                    | (models.Q(publisher_price_minor__gt=0) & ~models.Q(publisher_price_currency=""))
                ),
                name="product_publisher_price_valid",
                violation_error_message="A publisher's price is more than zero and has a currency.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Variant(models.Model):
    """The sellable unit: what a GTIN names and an offer sells."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    gtin = models.CharField(
        "GTIN",
        max_length=14,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_gtin],
        help_text="EAN-8, UPC-A, EAN-13/ISBN-13 or GTIN-14, check digit verified; stored as its GTIN-14"
        " less a leading zero (a UPC-A as its EAN-13).",
    )
    name = models.CharField(max_length=120, blank=True, help_text="What tells it from its siblings.")
    attributes = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return f"{self.product.title} — {self.name}" if self.name else self.product.title


def product_image_path(instance: ProductImage, filename: str) -> str:
    return f"products/{instance.product.uuid.hex[:2]}/{instance.product.uuid.hex}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=product_image_path, blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return self.alt or self.image.name


class ProductProposal(models.Model):
    """A seller's proposal of a product the catalog lacks; the operator accepts or rejects it.

    Accepting creates the product and its variant (and the seller's first offer when the
    proposal carries a price and a stock): sellers never write the catalog directly.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING: frozenset({Status.ACCEPTED, Status.REJECTED}),
        Status.ACCEPTED: frozenset(),
        Status.REJECTED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="product_proposals")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="+")
    brand_name = models.CharField(max_length=120, blank=True)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    gtin = models.CharField("GTIN", max_length=14, blank=True, validators=[validate_gtin])
    attributes = models.JSONField(default=dict, blank=True)
    image = models.ImageField(upload_to="catalog/proposals/", blank=True)
    # The product's safety data (GPSR), copied to the product on acceptance.
    manufacturer_name = models.CharField(max_length=200, blank=True)
    manufacturer_address = models.TextField(blank=True)
    manufacturer_country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    manufacturer_contact = models.CharField(max_length=254, blank=True, validators=[validate_contact])
    responsible_name = models.CharField(max_length=200, blank=True)
    responsible_address = models.TextField(blank=True)
    responsible_country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    responsible_contact = models.CharField(max_length=254, blank=True, validators=[validate_contact])
    safety_information = models.JSONField(default=dict, blank=True, validators=[validate_safety_information])
    # The seller's first offer, created on acceptance when both are given.
    condition = models.CharField(max_length=12, default="new")
    price_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    stock = models.PositiveIntegerField(null=True, blank=True)
    # A book's publisher's price (in ``currency``), copied to the product on acceptance.
    publisher_price_minor = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected: the seller is told.")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="proposal_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_minor__isnull=True) | models.Q(price_minor__gt=0),
                name="proposal_price_positive",
                violation_error_message="The price must be more than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(publisher_price_minor__isnull=True)
                | models.Q(publisher_price_minor__gt=0),
                name="proposal_publisher_price_positive",
                violation_error_message="The publisher's price must be more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (proposed by {self.seller_id}: {self.status})"


class MatchReview(models.Model):
    """A doubtful product match waiting for the operator: the incoming candidate, the catalog
    product it may be, the score and the reasons (docs/product-matching.md).

    Accepting uses the proposed product; rejecting creates the candidate as a new product when
    its batch is committed. Decisions can be changed or undone until ``committed_at`` is set
    (``match_batch_commit``); each one is a history row (``StatusChange``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.PENDING: frozenset({Status.ACCEPTED, Status.REJECTED}),
        Status.ACCEPTED: frozenset({Status.PENDING, Status.REJECTED}),
        Status.REJECTED: frozenset({Status.PENDING, Status.ACCEPTED}),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.CharField(max_length=120, help_text="Where the candidate came from: an import, a bundle.")
    candidate = models.JSONField(help_text="The incoming product as the matcher saw it.")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the batch's caller needs to apply the decision later (a merchant import: the seller
    # and its parsed offer row); the catalog stores it and never reads it.
    seller = models.ForeignKey(
        "sellers.Seller", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(null=True, blank=True, help_text="The caller's data to apply the decision.")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "status", "id"], name="match_review_batch_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=1000), name="match_review_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.batch}: {self.candidate.get('title', '')} ({self.status})"
