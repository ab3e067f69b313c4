"""The snapshot's arithmetic and the XSD check that guards every issue."""

from __future__ import annotations

import pytest
from django.utils import timezone

from galerie.invoices import services
from galerie.invoices.documents import credit_note_data
from galerie.invoices.errors import InvoiceInvalid
from galerie.invoices.models import Invoice, InvoiceCounter

pytestmark = pytest.mark.django_db(transaction=True)


def _invoice_data() -> dict:
    lines = [
        {"name": "Livre", "quantity": 2, "unit_excl_vat": "18.8626", "vat_rate_bp": 550, "vat_minor": 207,
         "total_excl_vat_minor": 3773, "total_incl_vat_minor": 3980},
        {"name": "Lampe", "quantity": 1, "unit_excl_vat": "37.5000", "vat_rate_bp": 2000, "vat_minor": 750,
         "total_excl_vat_minor": 3750, "total_incl_vat_minor": 4500},
    ]  # fmt: skip
    return {
        "order_number": "SH2612-AAAAAA-1", "storefront": "Shop", "currency": "EUR", "issuer": {}, "buyer": {},
        "sale_date": "2026-12-01", "issue_date": "2026-12-01", "lines": lines, "shipping_incl_vat_minor": 0,
        "vat": [{"rate_bp": 2000, "basis_minor": 3750, "vat_minor": 750},
                {"rate_bp": 550, "basis_minor": 3773, "vat_minor": 207}],
        "totals": {"excl_vat_minor": 7523, "vat_minor": 957, "incl_vat_minor": 8480, "paid_minor": 8480},
    }  # fmt: skip


def test_a_partial_credit_note_is_split_pro_rata_over_the_rates_to_the_cent():
    note = credit_note_data(
        invoice_data=_invoice_data(), credits_number="F2026-000001", number="A2026-000001",
        issued_at=timezone.now(), amount_minor=1001, reason="Remboursement",
    )  # fmt: skip
    assert [line["vat_rate_bp"] for line in note["lines"]] == [2000, 550]
    assert sum(line["total_incl_vat_minor"] for line in note["lines"]) == 1001
    assert [line["total_incl_vat_minor"] for line in note["lines"]] == [531, 470]  # 4500 : 3980
    assert [line["vat_minor"] for line in note["lines"]] == [89, 25]  # 531 × 20/120, 470 × 5.5/105.5
    totals = {"excl_vat_minor": 887, "vat_minor": 114, "incl_vat_minor": 1001, "paid_minor": 1001}
    assert note["totals"] == totals
    assert note["type_code"] == "381" and note["credits_number"] == "F2026-000001"


def test_an_xml_the_xsd_refuses_issues_nothing_and_leaves_no_gap(placed, monkeypatch):
    real = services.sale_invoice_data

    def without_lines(**kwargs):
        return {**real(**kwargs), "lines": []}

    monkeypatch.setattr(services, "sale_invoice_data", without_lines)
    with pytest.raises(InvoiceInvalid, match="does not validate"):
        services.invoice_issue(seller_order_id=placed.part_a.pk)
    assert not Invoice.objects.exists() and not InvoiceCounter.objects.filter(last_number__gt=0).exists()
    monkeypatch.setattr(services, "sale_invoice_data", real)
    assert services.invoice_issue(seller_order_id=placed.part_a.pk).sequence == 1
