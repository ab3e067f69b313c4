"""The seller terms and their versions, each seller's acceptance, and sellers' complaints: the
P2B Regulation (EU) 2019/1150, art. 3 (terms and their changes) and art. 11 (complaints).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from galerie.sellers.models import Seller


class SellerTermsVersion(models.Model):
    """One version of the terms a seller accepts to sell on the marketplace (P2B art. 3).

    A version takes effect at ``effective_at``; the current terms are the latest version in
    effect. It is published (and e-mailed to every active seller) at least ``NOTICE_DAYS``
    before, unless the change is imposed by law or counters a security threat (art. 3(4)).
    """

    NOTICE_DAYS = 15

    class Exemption(models.TextChoices):
        NONE = "", _("None: 15 days' notice")
        LEGAL_OBLIGATION = "legal_obligation", _("A change imposed by a legal or regulatory obligation")
        SECURITY_THREAT = "security_threat", _("A change to counter an unforeseen and imminent danger")

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    text = models.TextField()
    summary = models.TextField(blank=True, default="", help_text="What changes, told to the sellers.")
    effective_at = models.DateTimeField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exception = models.CharField(max_length=24, choices=Exemption.choices, blank=True, default="")
    exception_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"seller terms v{self.number} ({self.effective_at:%Y-%m-%d})"


class SellerTermsAcceptance(models.Model):
    """A seller's acceptance of one version: who, when, how (P2B art. 3)."""

    class How(models.TextChoices):
        APPLICATION = "application", _("Accepted in the application")
        SELLER_AREA = "seller_area", _("Accepted in the seller area")
        DEEMED = "deemed", _("Went on selling after the date (deemed)")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="terms_acceptances")
    version = models.ForeignKey(SellerTermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    how = models.CharField(max_length=16, choices=How.choices)
    accepted_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "version"], name="one_acceptance_per_seller_version")
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} accepted v{self.version_id} ({self.how})"


class SellerComplaint(models.Model):
    """A seller's complaint to the operator (P2B art. 11), or its answer to a decision (art. 4(3))."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("A decision about my shop (suspension, termination, restriction)")
        TERMS = "terms", _("The terms or their application")
        TECHNICAL = "technical", _("A technical problem")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ANSWERED = "answered", _("Answered")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
        REJECTED = "rejected", _("Not upheld")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="complaints")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    answer = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="complaint_queue_idx"),
            models.Index(fields=["seller", "-id"], name="complaint_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"complaint {self.pk} of {self.seller_id}: {self.subject}"
