"""The invoices under the customer's data protection rights: exported, and kept as issued by an
erasure (a legal document is retained 10 years and never rewritten, docs/privacy.md)."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from galerie.invoices.models import Invoice
from galerie.orders.services import seller_order_refuse
from galerie.privacy.selectors import customer_export
from galerie.privacy.services import customer_erase
from tests.invoices.conftest import pdf_bytes, settle_invoices

pytestmark = pytest.mark.django_db(transaction=True)


def test_exported_then_kept_unchanged_by_the_erasure(invoiced):
    exported = customer_export(user=invoiced.customer, now=timezone.now())["data"]["invoices.Invoice"]
    assert {row["number"] for row in exported} == set(Invoice.objects.values_list("number", flat=True))
    for part, owner in ((invoiced.part_a, invoiced.owner_a), (invoiced.part_b, invoiced.owner_b)):
        seller_order_refuse(seller_order_id=part.pk, acting_user=owner, reason="Out of stock")
    settle_invoices()
    before = {i.pk: (i.data, i.sha256, pdf_bytes(i)) for i in Invoice.objects.all()}
    assert len(before) == 4  # two invoices, two credit notes
    customer_erase(user_id=invoiced.customer.pk, now=timezone.now(), by=invoiced.customer)
    invoiced.order.refresh_from_db()
    assert invoiced.order.ship_line1 == ""  # the order's street is erased…
    for invoice in Invoice.objects.all():  # …the invoices keep theirs, as issued
        data, sha256, pdf = before[invoice.pk]
        assert invoice.data == data and invoice.data["buyer"]["line1"] == "3 rue des Lilas"
        assert pdf_bytes(invoice) == pdf and hashlib.sha256(pdf).hexdigest() == sha256 == invoice.sha256
