"""The invoice of each seller order: mentions in the PDF, the Factur-X XML inside, totals."""

from __future__ import annotations

import hashlib
import io

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from galerie.invoices.models import Invoice
from tests.invoices.conftest import pdf_bytes, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def test_one_invoice_per_seller_order_with_every_mention(invoiced):
    invoices = {i.seller_order_id: i for i in Invoice.objects.filter(kind=Invoice.Kind.INVOICE)}
    assert set(invoices) == {invoiced.part_a.pk, invoiced.part_b.pk}
    invoice = invoices[invoiced.part_a.pk]
    assert invoice.number.startswith("F") and invoice.number.endswith("-000001")
    text = pdf_text(invoice)
    seller = invoiced.seller_a
    for mention in [
        "Facture", invoice.number, seller.legal_name, "12 rue des Écoles", "75005 Paris", "SIREN : 732829320",
        "N° TVA intracommunautaire : FR44732829320", "Alice Martin", "3 rue des Lilas", "69003 Lyon",
        "Date de la facture", "Date de la vente", "Désignation", "Quantité", "Prix unitaire HT",
        "Taux de TVA", "Total HT", "Total TTC", "Frais de livraison", "Date de paiement",
        "40 €", "pénalités", invoiced.part_a.number, "au nom et pour le compte de",
    ]:  # fmt: skip
        assert mention in text, mention
    assert hashlib.sha256(pdf_bytes(invoice)).hexdigest() == invoice.sha256


def test_the_facturx_xml_validates_and_its_totals_are_the_orders(invoiced):
    for part in (invoiced.part_a, invoiced.part_b):
        invoice = Invoice.objects.get(kind=Invoice.Kind.INVOICE, seller_order=part)
        filename, xml = facturx.get_xml_from_pdf(pdf_bytes(invoice), check_xsd=True)
        assert filename == "factur-x.xml"
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        root = etree.fromstring(xml)
        summation = root.find(f".//{RAM}SpecifiedTradeSettlementHeaderMonetarySummation")
        grand = summation.findtext(f"{RAM}GrandTotalAmount")
        tax = summation.findtext(f"{RAM}TaxTotalAmount")
        assert grand == f"{part.total_minor / 100:.2f}"
        assert tax == f"{part.vat_minor / 100:.2f}"
        assert (invoice.total_incl_vat_minor, invoice.vat_minor) == (part.total_minor, part.vat_minor)
        xmp = PdfReader(io.BytesIO(pdf_bytes(invoice))).xmp_metadata.stream.get_data()
        for fact in [b"<pdfaid:part>3", b"<pdfaid:conformance>B", b"<fx:ConformanceLevel>EN 16931"]:
            assert fact in xmp, fact
