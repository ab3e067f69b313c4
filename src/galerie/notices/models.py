"""DSA notice and action (Regulation (EU) 2022/2065): a notice of illegal content (art. 16), the
decision taken on it with its statement of reasons (art. 17), the internal complaint against the
decision (art. 20). docs/compliance.md tells the rules and their numbers.

A decision is stored once and never changed (``save`` refuses an update, ``delete`` refuses):
a complaint that reverses it is a row of its own.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.catalog.models import Product
from galerie.offers.models import Offer
from galerie.reviews.models import Review
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront


class Category(models.TextChoices):
    """The illegal-content categories, after the DSA transparency database's statement categories."""

    CHILD_SEXUAL_ABUSE = "child_sexual_abuse", _("Child sexual abuse material")
    TERRORIST_CONTENT = "terrorist_content", _("Terrorist content")
    UNSAFE_PRODUCTS = "unsafe_products", _("Unsafe or non-compliant products")
    SCAMS_AND_FRAUD = "scams_and_fraud", _("Scams and fraud")
    INTELLECTUAL_PROPERTY = "intellectual_property", _("Intellectual property infringement")
    ILLEGAL_SPEECH = "illegal_speech", _("Illegal speech (hate, defamation)")
    DATA_PROTECTION = "data_protection", _("Data protection and privacy violation")
    PROTECTION_OF_MINORS = "protection_of_minors", _("Protection of minors")
    ANIMAL_WELFARE = "animal_welfare", _("Animal welfare")
    OTHER = "other", _("Other illegal content")


class TargetKind(models.TextChoices):
    PRODUCT = "product", _("Product listing")
    OFFER = "offer", _("Offer")
    REVIEW = "review", _("Review")
    SELLER = "seller", _("Seller")


class Notice(models.Model):
    """A notice of illegal content (art. 16 DSA), with the time a decision is due."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting a decision")
        DECIDED = "decided", _("Decided")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(max_length=8, choices=TargetKind.choices)
    # The object reported: exactly the one of ``target_kind``; ``seller`` is also set for an offer
    # (its seller) and a review (the seller reviewed), for the seller's own list.
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=24, choices=Category.choices)
    explanation = models.TextField()
    url = models.URLField(max_length=500)
    notifier_name = models.CharField(max_length=150, blank=True)
    notifier_email = models.EmailField(blank=True)
    good_faith = models.BooleanField()
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, editable=False)
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the job ``notices.overdue`` told the operator the deadline passed (once).
    overdue_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="notice_queue_idx"),
            models.Index(fields=["received_at"], name="notice_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(good_faith=True), name="notice_good_faith"),
            models.CheckConstraint(
                condition=(
                    models.Q(target_kind="product", product__isnull=False)
                    | models.Q(target_kind="offer", offer__isnull=False)
                    | models.Q(target_kind="review", review__isnull=False)
                    | models.Q(target_kind="seller", seller__isnull=False)
                ),
                name="notice_target_set",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_target_kind_display()} · {self.get_category_display()} · {self.received_at:%Y-%m-%d}"
        )


class Action(models.TextChoices):
    """The restriction a decision takes (art. 17(1) DSA)."""

    OFFER_REMOVED = "offer_removed", _("Offer removed")
    PRODUCT_OFFERS_REMOVED = "product_offers_removed", _("Product listing removed (all its offers)")
    REVIEW_HIDDEN = "review_hidden", _("Review hidden")
    SELLER_SUSPENDED = "seller_suspended", _("Seller suspended")
    NO_ACTION = "no_action", _("No action")


# Which restrictions fit which object reported.
ACTIONS_FOR: dict[str, tuple[str, ...]] = {
    TargetKind.PRODUCT: (Action.PRODUCT_OFFERS_REMOVED, Action.NO_ACTION),
    TargetKind.OFFER: (Action.OFFER_REMOVED, Action.SELLER_SUSPENDED, Action.NO_ACTION),
    TargetKind.REVIEW: (Action.REVIEW_HIDDEN, Action.NO_ACTION),
    TargetKind.SELLER: (Action.SELLER_SUSPENDED, Action.NO_ACTION),
}
REMOVALS = (Action.OFFER_REMOVED, Action.PRODUCT_OFFERS_REMOVED)


class ImmutableError(RuntimeError):
    pass


class Decision(models.Model):
    """A decision on a notice and its statement of reasons, every element of art. 17(3) DSA.

    (a) ``action``, ``territorial_scope``, ``duration``; (b) ``facts`` (and that it came from a
    notice: ``notice``); (c) ``automated``; (d) ``legal_ground`` and/or (e) ``terms_ground`` with
    ``explanation``; (f) the redress paths are the same for every decision and written by the
    e-mail and page templates. Stored once, never changed.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=24, choices=Action.choices)
    territorial_scope = models.CharField(max_length=200)
    duration = models.CharField(max_length=200)
    facts = models.TextField()
    automated = models.BooleanField(default=False)
    legal_ground = models.TextField(blank=True)
    terms_ground = models.TextField(blank=True)
    explanation = models.TextField()
    # Who the restriction affects: the seller, or the review's author.
    seller = models.ForeignKey(Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The offers a removal paused, to give back on a reversal.
    offer_ids = models.JSONField(default=list)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["seller", "-decided_at"], name="notice_decision_seller_idx"),
            models.Index(fields=["decided_at"], name="notice_decision_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action="no_action") | ~models.Q(legal_ground="", terms_ground=""),
                name="notice_decision_has_ground",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.decided_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("A statement of reasons is never changed once stored.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("A statement of reasons is never deleted.")

    @property
    def illegal(self) -> bool:
        """Found illegal under the law (not only against the terms and conditions)."""
        return bool(self.legal_ground.strip()) and self.action != Action.NO_ACTION


class Complaint(models.Model):
    """An internal complaint against a decision (art. 20 DSA), by the party affected or the notifier."""

    class Role(models.TextChoices):
        AFFECTED = "affected", _("The party affected")
        NOTIFIER = "notifier", _("The notifier")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting a decision")
        UPHELD = "upheld", _("Decision upheld")
        REVERSED = "reversed", _("Decision reversed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="complaints")
    role = models.CharField(max_length=8, choices=Role.choices)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)
    text = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, editable=False)
    received_at = models.DateTimeField()
    outcome_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["status", "received_at"], name="notice_complaint_queue_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"],
                condition=models.Q(status="open"),
                name="one_open_complaint_per_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.get_status_display()}"
