"""A storefront bundle merged into an installation that has a catalog (docs/storefront-merge.md).

A merge is planned first (``merge_plan``: nothing of the catalog changes), decided (the
operator reviews doubtful products, sellers and customers confirm), then committed in one
transaction (``merge_commit``). Every decision is a row here, reversible until the commit.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StorefrontMerge(models.Model):
    """One bundle being merged: where it is, its manifest's checksum, its status and its counts."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMMITTED = "committed", _("Committed")
        ABANDONED = "abandoned", _("Abandoned")

    TRANSITIONS = {
        Status.PLANNED: frozenset({Status.COMMITTED, Status.ABANDONED}),
        Status.COMMITTED: frozenset(),
        Status.ABANDONED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(
        max_length=40, help_text="The storefront's code here (the bundle's, or a new one)."
    )
    bundle_code = models.SlugField(max_length=40, help_text="The storefront's code in the bundle.")
    name = models.CharField(max_length=120)
    path = models.CharField(max_length=500, help_text="The bundle's directory on this machine.")
    manifest_sha256 = models.CharField(
        max_length=64, help_text="The commit refuses a bundle changed since the plan."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED, editable=False)
    counts = models.JSONField(default=dict, blank=True, help_text="What the plan found, what the commit did.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)
    storefront = models.ForeignKey(
        "storefronts.Storefront", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.bundle_code} → {self.code} ({self.status})"

    @property
    def batch(self) -> str:
        """The label of this merge's doubtful products in the review queue (catalog.MatchReview)."""
        return f"merge:{self.uuid.hex[:12]}"


class MergeProduct(models.Model):
    """What the plan decided for one product of the bundle: the catalog's product it is
    (``match``), a doubtful one waiting in the review queue (``review``), or none (``new``)."""

    class Decision(models.TextChoices):
        MATCH = "match", _("Same product")
        REVIEW = "review", _("To review")
        NEW = "new", _("New product")

    merge = models.ForeignKey(StorefrontMerge, on_delete=models.CASCADE, related_name="products")
    incoming = models.UUIDField(help_text="The product's uuid in the bundle.")
    title = models.CharField(max_length=255)
    decision = models.CharField(max_length=6, choices=Decision.choices)
    score = models.PositiveSmallIntegerField(default=0)
    signal = models.CharField(max_length=20, blank=True, help_text="What decided: gtin, uuid, title.")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review = models.ForeignKey(
        "catalog.MatchReview", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["merge", "incoming"], name="merge_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.decision}"


class MergeParty(models.Model):
    """A seller or a customer of the bundle who may be one of this installation's: asked to
    confirm by e-mail, never joined silently. Reversible until the merge is committed; a
    customer may still confirm after it (their orders then move to their account)."""

    class Kind(models.TextChoices):
        SELLER = "seller", _("Seller")
        CUSTOMER = "customer", _("Customer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Not answered by the commit")

    TRANSITIONS = {
        Status.PENDING: frozenset({Status.CONFIRMED, Status.DECLINED, Status.LAPSED}),
        Status.CONFIRMED: frozenset({Status.DECLINED}),
        Status.DECLINED: frozenset({Status.CONFIRMED}),
        Status.LAPSED: frozenset({Status.CONFIRMED, Status.DECLINED}),
    }

    merge = models.ForeignKey(StorefrontMerge, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    incoming = models.UUIDField(help_text="The seller's or customer's uuid in the bundle.")
    name = models.CharField(max_length=255, help_text="The incoming shop's name or the customer's address.")
    signal = models.CharField(max_length=10, help_text="What matched: siren, vat or email.")
    email = models.EmailField(help_text="Where the confirmation was asked.")
    seller = models.ForeignKey(
        "sellers.Seller", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(
        null=True, blank=True, help_text="When the incoming records were joined to the existing ones."
    )
    placeholder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account that holds an unconfirmed customer's orders after the commit.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["merge", "kind", "incoming"], name="merge_party_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.status}"
