"""Credit notes for refunds: a refusal credits the whole invoice, a partial refund (an incident's)
is split over the invoice's VAT rates; each references its invoice in its own gapless series."""

from __future__ import annotations

import facturx
import pytest
from lxml import etree

from galerie.core.money import Money
from galerie.invoices.models import Invoice
from galerie.invoices.services import credit_note_issue
from galerie.orders.services import seller_order_refuse
from galerie.payments.models import Refund
from galerie.payments.services import payment_refund
from tests.invoices.conftest import pdf_bytes, pdf_text, settle_invoices

pytestmark = pytest.mark.django_db(transaction=True)
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def test_a_refusal_credits_the_whole_invoice(invoiced):
    seller_order_refuse(
        seller_order_id=invoiced.part_a.pk, acting_user=invoiced.owner_a, reason="Out of stock"
    )
    settle_invoices()
    invoice = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=invoiced.part_a)
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert note.credits == invoice and note.seller_order_id == invoiced.part_a.pk
    assert note.number.startswith("A") and note.number.endswith("-000001")
    assert (note.total_incl_vat_minor, note.vat_minor) == (invoice.total_incl_vat_minor, invoice.vat_minor)
    assert note.data["lines"] == invoice.data["lines"]
    text = pdf_text(note)
    assert "Avoir" in text and invoice.number in text and "Commande refusée par le vendeur" in text
    _, xml = facturx.get_xml_from_pdf(pdf_bytes(note), check_xsd=True)
    root = etree.fromstring(xml)
    assert root.findtext(f".//{RAM}TypeCode") == "381"
    assert root.findtext(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID") == invoice.number


def test_a_partial_refund_is_split_over_the_vat_rates_and_never_credited_twice(invoiced):
    part = invoiced.part_b
    refund = payment_refund(
        payment_id=invoiced.order.payment_id,
        amount=Money(1000, "EUR"),
        idempotency_key=f"seller-order-{part.uuid.hex}-incident-7",
        reason="incident 7",
    )
    settle_invoices()
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE, refund_id=refund.pk)
    assert note.total_incl_vat_minor == 1000
    assert note.vat_minor == sum(line["vat_minor"] for line in note.data["lines"])
    assert "incident" in note.data["lines"][0]["name"]
    # The event delivered again, or the service called again: the same credit note.
    assert credit_note_issue(refund_id=refund.pk) == note
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1


def test_a_refund_not_attributed_to_a_seller_order_makes_no_credit_note(invoiced):
    refund = payment_refund(
        payment_id=invoiced.order.payment_id, amount=Money(100, "EUR"), idempotency_key="goodwill-1",
        reason="goodwill",
    )  # fmt: skip
    settle_invoices()
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.SUCCEEDED
    assert credit_note_issue(refund_id=refund.pk) is None
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()
