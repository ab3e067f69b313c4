"""Invoices, credit notes and the operator's commission invoices (docs/invoices.md).

A document is written once, with its number, its snapshot of every mention (``data``), its
PDF/A-3 file with the Factur-X XML embedded and the file's SHA-256, and never changed: the
model refuses updates and deletes; a correction is a credit note. Numbers come from one
counter row per (issuer, series, year), locked in the transaction that inserts the document,
so a series has no gap and no duplicate.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galerie.core.files import private_storage
from galerie.invoices.errors import InvoiceImmutable

OPERATOR = "operator"  # the issuer key of the operator's own documents


def issuer_key(seller_id: int | None) -> str:
    """The issuer of a series: ``seller-<id>`` or ``operator``."""
    return OPERATOR if seller_id is None else f"seller-{seller_id}"


class InvoiceCounter(models.Model):
    """The last number given in one series of one issuer in one year (locked FOR UPDATE)."""

    issuer = models.CharField(max_length=32)
    series = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "series", "year"], name="one_invoice_counter_per_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.series}{self.year}: {self.last_number}"


def invoice_path(instance: Invoice, filename: str) -> str:
    return f"invoices/{instance.issuer}/{instance.issued_at:%Y}/{instance.uuid.hex}.pdf"


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    """Issued documents are never changed nor deleted in bulk either."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise InvoiceImmutable(gettext("An issued invoice is never changed: issue a credit note."))

    def delete(self) -> NoReturn:
        raise InvoiceImmutable(gettext("An issued invoice is never deleted: issue a credit note."))


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        COMMISSION = "commission", _("Commission invoice")

    # Series letters: F sale invoices, A credit notes (avoirs), C the operator's commission invoices.
    SERIES = {Kind.INVOICE: "F", Kind.CREDIT_NOTE: "A", Kind.COMMISSION: "C"}

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    issuer = models.CharField(max_length=32, help_text="seller-<id>, or operator.")
    number = models.CharField(max_length=32)
    sequence = models.PositiveIntegerField(help_text="The number within its series and year.")
    # The seller who issues a sale invoice or credit note, or receives a commission invoice.
    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="invoices")
    seller_order = models.ForeignKey(
        "orders.SellerOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
        help_text="The invoice a credit note corrects.",
    )  # fmt: skip
    refund = models.OneToOneField(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    month = models.DateField(null=True, blank=True, help_text="First day of a commission invoice's month.")
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    total_excl_vat_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField()
    total_incl_vat_minor = models.BigIntegerField()
    data = models.JSONField(help_text="Every mention printed, as issued.")
    file = models.FileField(upload_to=invoice_path, storage=private_storage, max_length=255)
    sha256 = models.CharField(max_length=64)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="invoice_number_unique_per_issuer"),
            models.UniqueConstraint(
                fields=["seller_order"],
                condition=models.Q(kind="invoice"),
                name="one_invoice_per_seller_order",
            ),
            models.UniqueConstraint(
                fields=["seller", "month"],
                condition=models.Q(kind="commission"),
                name="one_commission_invoice_per_seller_month",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total_incl_vat_minor=models.F("total_excl_vat_minor") + models.F("vat_minor")
                ),
                name="invoice_totals_add_up",
            ),
        ]
        indexes = [models.Index(fields=["seller", "kind", "-id"], name="invoice_seller_idx")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise InvoiceImmutable(gettext("An issued invoice is never changed: issue a credit note."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise InvoiceImmutable(gettext("An issued invoice is never deleted: issue a credit note."))


class CommissionInvoiceRun(models.Model):
    """A month whose commission invoices were all issued: the hourly job stops scanning the ledger
    for it (``galerie invoices commissions`` runs again regardless)."""

    month = models.DateField(unique=True, help_text="First day of the month.")
    invoices = models.PositiveIntegerField(help_text="Invoices issued by the completing run.")
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.invoices}"
