"""A storefront: one branded site of the operator, with its own hosts, theme and catalog scope."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from galerie.catalog.models import Category

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Write a colour as #rrggbb, e.g. #1f4e79.")
host_name = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    "Write a host name in lower case without scheme, port or path, e.g. shop.example.com.",
)


class Storefront(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("storefront status", "Draft")
        OPEN = "open", pgettext_lazy("storefront status", "Open")
        CLOSING = "closing", pgettext_lazy("storefront status", "Closing")
        CLOSED = "closed", pgettext_lazy("storefront status", "Closed")
        TRANSFERRED = "transferred", pgettext_lazy("storefront status", "Transferred")

    TRANSITIONS = {
        Status.DRAFT: frozenset({Status.OPEN}),
        Status.OPEN: frozenset({Status.CLOSING}),
        # Re-opening is allowed until the storefront is closed for good.
        Status.CLOSING: frozenset({Status.OPEN, Status.CLOSED, Status.TRANSFERRED}),
        Status.CLOSED: frozenset(),
        Status.TRANSFERRED: frozenset(),
    }

    class Font(models.TextChoices):
        SANS = "sans", _("Sans-serif")
        SERIF = "serif", _("Serif")
        ROUNDED = "rounded", _("Rounded")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(
        max_length=32, unique=True, help_text="Short name, also the /s/<code>/ path prefix."
    )
    name = models.CharField(max_length=120)
    tagline = models.CharField(max_length=200, blank=True)
    default_language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="fr")
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    # Theme: a few variables the one stylesheet reads.
    logo = models.ImageField(upload_to="storefronts/logos/", blank=True)
    colour_primary = models.CharField(max_length=7, default="#1f3a5f", validators=[hex_colour])
    colour_accent = models.CharField(max_length=7, default="#e07a2e", validators=[hex_colour])
    colour_background = models.CharField(max_length=7, default="#faf8f5", validators=[hex_colour])
    colour_text = models.CharField(max_length=7, default="#1d1d1f", validators=[hex_colour])
    font = models.CharField(max_length=10, choices=Font.choices, default=Font.SANS)
    catalog_scope: models.ManyToManyField[Category, Any] = models.ManyToManyField(
        Category,
        blank=True,
        related_name="storefronts",
        help_text="Roots of the category subtrees this storefront sells. Empty: the whole catalog.",
    )
    deemed_delivered_days = models.PositiveSmallIntegerField(
        "deemed delivered after (days)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=(
            "A shipped order that neither the seller, the customer nor a carrier marked delivered is"
            " deemed delivered this many days after shipping; the withdrawal period counts from then."
        ),
    )
    # Sellers' deadlines on this storefront: a seller order not accepted in time is cancelled and
    # refunded; one shipped after its ship-by date counts as late (seller quality).
    accept_within_hours = models.PositiveSmallIntegerField(
        "sellers accept within (hours)",
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    ship_within_days = models.PositiveSmallIntegerField(
        "sellers ship within (days of the order)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # A seller not answering a customer's incident within this many hours sees it escalated to
    # the operator (incidents.jobs; docs/incidents.md).
    incident_answer_hours = models.PositiveSmallIntegerField(
        "sellers answer incidents within (hours)",
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    # Seller quality thresholds on this storefront (basis points of the seller's orders in the
    # window); a seller past one of them is warned by e-mail. Below quality_min_orders orders in
    # the window a seller is not judged.
    quality_window_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )
    quality_min_orders = models.PositiveSmallIntegerField(default=10)
    quality_min_acceptance_bp = models.PositiveIntegerField(
        default=9000, validators=[MaxValueValidator(10000)]
    )
    quality_max_late_bp = models.PositiveIntegerField(default=1000, validators=[MaxValueValidator(10000)])
    quality_max_refusal_bp = models.PositiveIntegerField(default=500, validators=[MaxValueValidator(10000)])
    quality_max_refund_bp = models.PositiveIntegerField(default=1000, validators=[MaxValueValidator(10000)])
    # Closure (docs/storefront-closure.md): announced at closure_announced_at, no sale from
    # closing_on (a local date), closed for good at closed_at once nothing is left open.
    closing_on = models.DateField(null=True, blank=True, editable=False)
    closure_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    closure_reason = models.TextField(blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the daily job saw the closing date come (storefronts.sales_stop): cached pages of
    # before it were made stale then (docs/storefront-closure.md, "The date passes").
    sales_stopped_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StorefrontHost(models.Model):
    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(max_length=253, unique=True, validators=[host_name])
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "host"]
        constraints = [
            models.UniqueConstraint(
                fields=["storefront"],
                condition=models.Q(is_primary=True),
                name="one_primary_host_per_storefront",
            )
        ]

    def __str__(self) -> str:
        return self.host


class StorefrontRedirect(models.Model):
    """An old path of a storefront that answers 301 to its new one (a bundle's URL map).

    Paths are relative to the storefront's root (``p/old-slug/``), so one row serves the
    storefront's hosts and its ``/s/<code>/`` prefix alike; consulted only on a 404.
    """

    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="redirects")
    old_path = models.CharField(max_length=500)
    new_path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["storefront", "old_path"]
        constraints = [
            models.UniqueConstraint(fields=["storefront", "old_path"], name="one_redirect_per_old_path")
        ]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"
