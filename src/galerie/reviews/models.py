"""Verified reviews (docs/reviews.md): one per delivered order line, written by the order's
customer; the seller's one reply; reports and the operator's decisions; the summaries the
storefront pages and the rating sort read (never recomputed on a page view)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.catalog.models import Product
from galerie.orders.models import OrderLine, SellerOrder
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront

TITLE_MAX = 120
TEXT_MAX = 2000
REPLY_MAX = 2000
REASON_MAX = 500


class Review(models.Model):
    """A customer's rating of one delivered order line: the product (1–5) and its seller (1–5)."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden")

    TRANSITIONS = {
        Status.PUBLISHED: frozenset({Status.HIDDEN}),
        Status.HIDDEN: frozenset({Status.PUBLISHED}),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="+")
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review")
    seller_order = models.ForeignKey(SellerOrder, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=60, help_text="As shown: first name and initial.")
    product_stars = models.PositiveSmallIntegerField()
    seller_stars = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED, editable=False)
    hidden_reason = models.TextField(blank=True, help_text="Shown to the author.")
    reply_text = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["storefront", "product", "status"], name="review_product_idx"),
            models.Index(fields=["storefront", "seller", "status"], name="review_seller_idx"),
            models.Index(fields=["seller", "-id"], name="review_seller_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product_stars__gte=1, product_stars__lte=5)
                & models.Q(seller_stars__gte=1, seller_stars__lte=5),
                name="review_stars_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_stars}★ {self.title or self.uuid}"


class ReviewReport(models.Model):
    """Someone signed in says a review breaks the rules; open until the operator decides."""

    class Reason(models.TextChoices):
        NOT_ABOUT_PRODUCT = "off_topic", _("Not about the product or the seller")
        OFFENSIVE = "offensive", _("Offensive, hateful or discriminatory")
        PERSONAL_DATA = "personal_data", _("Contains personal data")
        ILLEGAL = "illegal", _("Illegal content")
        FAKE = "fake", _("Fake or paid review, conflict of interest")
        SPAM = "spam", _("Advertising or spam")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["resolved_at", "review"], name="reviewreport_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="one_report_per_reporter"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.review_id})"


class ReviewRequest(models.Model):
    """The review-request e-mail of one delivered seller order: at most one."""

    seller_order = models.OneToOneField(SellerOrder, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"request {self.seller_order_id}"


class RatingSummary(models.Model):
    """The count and average of the published reviews of one product or one seller on one
    storefront; for a product, its latest published reviews too. Written by the review services
    in the transaction of the change; read by the storefront pages and the rating sort."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SELLER = "seller", _("Seller")

    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    subject_id = models.BigIntegerField(help_text="The product's or the seller's id.")
    count = models.PositiveIntegerField(default=0)
    stars_sum = models.PositiveIntegerField(default=0)
    # The average × 100, rounded half up (0 without reviews): what the rating sort orders by.
    average_centi = models.PositiveIntegerField(default=0)
    # Of a product: its latest published reviews as the product page shows them.
    recent = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "kind", "subject_id"], name="one_rating_summary"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}: {self.count}"

    @property
    def average(self) -> float:
        return self.average_centi / 100
