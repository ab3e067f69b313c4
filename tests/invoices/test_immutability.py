"""An issued document is never changed: the model, its queryset and the services refuse, and
issuing again returns the same document, its file and hash unchanged."""

from __future__ import annotations

import hashlib

import pytest

from galerie.invoices.errors import InvoiceImmutable
from galerie.invoices.models import Invoice
from galerie.invoices.services import invoice_issue
from tests.invoices.conftest import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_issued_invoice_is_never_changed_nor_deleted(invoiced):
    invoice = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=invoiced.part_a)
    before = pdf_bytes(invoice)
    invoice.total_incl_vat_minor = 1
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        invoice.delete()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).update(vat_minor=0)
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.filter(pk=invoice.pk).delete()
    again = invoice_issue(seller_order_id=invoiced.part_a.pk)
    stored = Invoice.objects.get(pk=invoice.pk)
    assert again == stored and stored.total_incl_vat_minor == invoiced.part_a.total_minor
    assert pdf_bytes(stored) == before
    assert hashlib.sha256(before).hexdigest() == stored.sha256
    assert Invoice.objects.filter(kind=Invoice.Kind.INVOICE).count() == 2


def test_a_private_seller_issues_no_invoice(placed, monkeypatch):
    from galerie.sellers.models import Seller

    Seller.objects.filter(pk=placed.seller_b.pk).update(kind=Seller.Kind.PRIVATE, trade_register_number="",
                                                       compliance_certified_at=None)  # fmt: skip
    assert invoice_issue(seller_order_id=placed.part_b.pk) is None
    assert not Invoice.objects.exists()
