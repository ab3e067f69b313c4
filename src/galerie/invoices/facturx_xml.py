"""The Factur-X (CII, profile EN 16931) XML of a document, from its snapshot (``Invoice.data``).

Amounts are the snapshot's minor units written with two decimals; the unit price excluding VAT
keeps four (it is a line's amount excluding VAT divided by its quantity). The XML is checked
against the Factur-X XSD (``facturx.xml_check_xsd``) before anything is issued.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import facturx
from lxml import etree

from galerie.invoices.errors import InvoiceInvalid

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
PROFILE = "urn:cen.eu:en16931:2017"
LEVEL = "en16931"


def amount(minor: int) -> str:
    """Minor units as a decimal amount with two digits: 1290 -> "12.90"."""
    return f"{Decimal(minor).scaleb(-2):.2f}"


def percent(rate_bp: int) -> str:
    return f"{Decimal(rate_bp).scaleb(-2):.2f}"


def vat_category(rate_bp: int) -> str:
    """S: standard or reduced rate; Z: zero rate (UNTDID 5305)."""
    return "S" if rate_bp else "Z"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, tag: str, iso_date: str) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", iso_date.replace("-", ""), format="102")


def _party(parent: etree._Element, tag: str, party: dict[str, Any]) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party["name"])
    if party.get("siren"):
        _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party["siren"], schemeID="0002")
    address = _el(node, "ram:PostalTradeAddress")
    _el(address, "ram:PostcodeCode", party["postal_code"])
    _el(address, "ram:LineOne", party["line1"])
    if party.get("line2"):
        _el(address, "ram:LineTwo", party["line2"])
    _el(address, "ram:CityName", party["city"])
    _el(address, "ram:CountryID", party["country"])
    if party.get("vat_number"):
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party["vat_number"], schemeID="VA")


def facturx_xml(data: dict[str, Any]) -> bytes:
    """Return the CII XML of a document snapshot; raise InvoiceInvalid if the XSD refuses it."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", data["number"])
    _el(document, "ram:TypeCode", data["type_code"])
    _date(document, "ram:IssueDateTime", data["issue_date"])
    for note in data.get("notes", []):
        _el(_el(document, "ram:IncludedNote"), "ram:Content", note)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(data["lines"], start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line["name"])
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", line["unit_excl_vat"])
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", str(line["quantity"]),
            unitCode="C62")  # fmt: skip
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", vat_category(line["vat_rate_bp"]))
        _el(tax, "ram:RateApplicablePercent", percent(line["vat_rate_bp"]))
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", amount(line["total_excl_vat_minor"]))
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", data["issuer"])
    _party(agreement, "ram:BuyerTradeParty", data["buyer"])
    if data.get("order_number"):
        _el(_el(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", data["order_number"])
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", data["sale_date"])
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", data["currency"])
    for part in data["vat"]:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", amount(part["vat_minor"]))
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:BasisAmount", amount(part["basis_minor"]))
        _el(tax, "ram:CategoryCode", vat_category(part["rate_bp"]))
        _el(tax, "ram:RateApplicablePercent", percent(part["rate_bp"]))
    if data.get("payment_terms"):
        _el(_el(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:Description", data["payment_terms"])
    totals = data["totals"]
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", amount(totals["excl_vat_minor"]))
    _el(summation, "ram:TaxBasisTotalAmount", amount(totals["excl_vat_minor"]))
    _el(summation, "ram:TaxTotalAmount", amount(totals["vat_minor"]), currencyID=data["currency"])
    _el(summation, "ram:GrandTotalAmount", amount(totals["incl_vat_minor"]))
    _el(summation, "ram:TotalPrepaidAmount", amount(totals["paid_minor"]))
    _el(summation, "ram:DuePayableAmount", amount(totals["incl_vat_minor"] - totals["paid_minor"]))
    if data.get("credits_number"):
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", data["credits_number"])
        formatted = _el(referenced, "ram:FormattedIssueDateTime")
        _el(formatted, "qdt:DateTimeString", data["credits_date"].replace("-", ""), format="102")
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    try:
        facturx.xml_check_xsd(xml, flavor="factur-x", level=LEVEL)
    except Exception as error:  # the library raises a bare Exception naming the XSD error
        raise InvoiceInvalid(f"The Factur-X XML of {data['number']} does not validate: {error}") from error
    return xml
