"""DAC7 (Council Directive (EU) 2021/514, Annex V; CGI art. 1649 ter A–E): what the seller
model does not hold of a seller's identification, the operator's exclusion flag, and the
reminders sent to sellers whose data is incomplete. See docs/dac7.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SellerTaxProfile(models.Model):
    """The identification data DAC7 asks for besides the seller's legal identity (DSA data on
    ``sellers.Seller``: legal name, address, VAT and trade register numbers, IBAN)."""

    class SellerType(models.TextChoices):
        ENTITY = "entity", _("Entity (company, association…)")
        INDIVIDUAL = "individual", _("Individual (natural person, sole trader)")

    class Exclusion(models.TextChoices):
        NONE = "", _("None")
        GOVERNMENTAL = "governmental", _("Governmental entity")
        LISTED = "listed", _("Listed company (stock regularly traded)")

    seller = models.OneToOneField("sellers.Seller", on_delete=models.CASCADE, related_name="tax_profile")
    seller_type = models.CharField(max_length=10, choices=SellerType.choices)
    tin = models.CharField("TIN", max_length=40, blank=True, help_text="Tax identification number.")
    tin_country = models.CharField(max_length=2, blank=True, help_text="Country that issued the TIN.")
    permanent_establishments = models.CharField(
        max_length=120, blank=True, help_text="EU countries of the entity's permanent establishments: FR,DE…"
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    birth_city = models.CharField(max_length=100, blank=True)
    birth_country = models.CharField(max_length=2, blank=True)
    account_holder = models.CharField(max_length=200, blank=True, help_text="Holder of the payout IBAN.")
    exclusion = models.CharField(
        max_length=16, choices=Exclusion.choices, blank=True, default="", help_text="Set by the operator."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(exclusion="") | models.Q(seller_type="entity"),
                name="dac7_exclusion_only_for_entities",
            )
        ]

    def __str__(self) -> str:
        return f"Tax profile of seller {self.seller_id}"

    @property
    def establishment_codes(self) -> list[str]:
        return [code for code in self.permanent_establishments.replace(" ", "").split(",") if code]


class Dac7Reminder(models.Model):
    """A request sent to a seller whose identification data was incomplete (1st or 2nd)."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="dac7_reminders")
    year = models.PositiveSmallIntegerField(help_text="The reportable period it is about.")
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    missing = models.JSONField(default=list, help_text="The fields missing when it was sent.")

    class Meta:
        ordering = ["seller_id", "year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "year", "number"], name="dac7_reminder_once"),
            models.CheckConstraint(condition=models.Q(number__in=[1, 2]), name="dac7_reminder_number"),
        ]

    def __str__(self) -> str:
        return f"DAC7 reminder {self.number} {self.year} to seller {self.seller_id}"
