"""What a document says (its snapshot, ``Invoice.data``) and its PDF/A-3 with Factur-X inside.

The snapshot holds every mention the law asks for, as issued (Code de commerce L441-9, CGI
art. 242 nonies A of annex II): the issuer's legal name, address, SIREN/SIRET, VAT number and
register; the buyer's name and address; the dates; the number; each line's designation,
quantity, unit price excluding VAT, VAT rate; the VAT per rate; the totals; the delivery
charge; the payment date and terms, the late-payment penalties and the 40 € indemnity. The
documents are in French: they are issued under French law to the French tax authority's rules.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import facturx
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from galerie.catalog.tax import shipping_vat_parts, vat_included
from galerie.core.money import format_minor, split_largest_remainder
from galerie.invoices.facturx_xml import LEVEL, facturx_xml
from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller

CSS = Path(__file__).resolve().parent / "templates" / "galerie" / "invoices" / "document.css"
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]  # fmt: skip
LATE_PAYMENT = (
    "Pas d'escompte pour paiement anticipé. En cas de retard de paiement (client professionnel) :"
    " pénalités au taux d'intérêt appliqué par la Banque centrale européenne à son opération de"
    " refinancement la plus récente majoré de 10 points, et indemnité forfaitaire pour frais de"
    " recouvrement de 40 € (Code de commerce, art. L441-10 et D441-5)."
)


def _local_date(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _unit_excl_vat(total_excl_vat_minor: int, quantity: int) -> str:
    unit = (Decimal(total_excl_vat_minor) / quantity).scaleb(-2)
    return str(unit.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _line(name: str, quantity: int, incl_vat_minor: int, vat_minor: int, rate_bp: int) -> dict[str, Any]:
    excl = incl_vat_minor - vat_minor
    return {
        "name": name,
        "quantity": quantity,
        "unit_excl_vat": _unit_excl_vat(excl, quantity),
        "vat_rate_bp": rate_bp,
        "vat_minor": vat_minor,
        "total_excl_vat_minor": excl,
        "total_incl_vat_minor": incl_vat_minor,
    }


def _vat_breakdown(lines: list[dict[str, Any]]) -> list[dict[str, int]]:
    by_rate: dict[int, dict[str, int]] = {}
    for line in lines:
        part = by_rate.setdefault(line["vat_rate_bp"], {"rate_bp": line["vat_rate_bp"], "basis_minor": 0,
                                                         "vat_minor": 0})  # fmt: skip
        part["basis_minor"] += line["total_excl_vat_minor"]
        part["vat_minor"] += line["vat_minor"]
    return [by_rate[rate] for rate in sorted(by_rate, reverse=True)]


def _totals(lines: list[dict[str, Any]], *, paid: bool) -> dict[str, int]:
    excl = sum(line["total_excl_vat_minor"] for line in lines)
    vat = sum(line["vat_minor"] for line in lines)
    return {"excl_vat_minor": excl, "vat_minor": vat, "incl_vat_minor": excl + vat,
            "paid_minor": excl + vat if paid else 0}  # fmt: skip


def _register_ids(country: str, number: str) -> dict[str, str]:
    """SIREN (the first 9 digits of a SIRET) and SIRET of a French register number."""
    if country != "FR" or not number.isdigit():
        return {"register_number": number}
    return {"siren": number[:9], "siret": number if len(number) == 14 else ""}


def seller_party(seller: Seller) -> dict[str, Any]:
    return {
        "name": seller.legal_name,
        "trade_name": seller.display_name if seller.display_name != seller.legal_name else "",
        "line1": seller.address_line1,
        "line2": seller.address_line2,
        "postal_code": seller.postal_code,
        "city": seller.city,
        "country": seller.country,
        "vat_number": seller.vat_number,
        "email": seller.email,
        **_register_ids(seller.country, seller.trade_register_number),
    }


def operator_party() -> dict[str, Any]:
    return {
        "name": settings.GALERIE_OPERATOR_NAME,
        "legal_form": settings.GALERIE_OPERATOR_LEGAL_FORM,
        "line1": settings.GALERIE_OPERATOR_ADDRESS_LINE1,
        "line2": "",
        "postal_code": settings.GALERIE_OPERATOR_POSTAL_CODE,
        "city": settings.GALERIE_OPERATOR_CITY,
        "country": settings.GALERIE_OPERATOR_COUNTRY,
        "vat_number": settings.GALERIE_OPERATOR_VAT_NUMBER,
        "rcs": settings.GALERIE_OPERATOR_RCS,
        "iban": settings.GALERIE_OPERATOR_IBAN,
        **_register_ids(settings.GALERIE_OPERATOR_COUNTRY, settings.GALERIE_OPERATOR_SIREN),
    }


def _on_behalf(seller: Seller) -> str:
    # The platform issues the document for the seller (mandate in the seller terms, CGI art. 289-I-2).
    return (
        f"Document établi par {settings.GALERIE_OPERATOR_NAME}, opérateur de la plateforme, au nom et pour"
        f" le compte de {seller.legal_name} (mandat de facturation)."
    )


def sale_invoice_data(*, seller_order: SellerOrder, number: str, issued_at: datetime) -> dict[str, Any]:
    """The snapshot of the invoice of one seller order, in the seller's name."""
    order = seller_order.order
    lines = []
    for row in seller_order.lines.all():
        name = row.product_title + (f" — {row.variant_name}" if row.variant_name else "")
        lines.append(_line(name, row.quantity, row.total_minor, row.vat_minor, row.vat_rate_bp))
    # Delivery follows the goods' VAT rates, pro rata (catalog.tax, as the checkout priced it).
    parts = shipping_vat_parts(
        shipping_minor=seller_order.shipping_minor,
        lines=[(line["vat_rate_bp"], line["total_incl_vat_minor"]) for line in lines],
    )
    for rate, part, vat in parts:
        suffix = f" (part au taux de {Decimal(rate).scaleb(-2):n} %)" if len(parts) > 1 else ""
        lines.append(_line(f"Frais de livraison{suffix}", 1, part, vat, rate))
    paid_on = _local_date(order.placed_at)
    return {
        "kind": "invoice",
        "title": "Facture",
        "type_code": "380",
        "number": number,
        "issue_date": _local_date(issued_at),
        "sale_date": paid_on,
        "order_number": seller_order.number,
        "storefront": order.storefront.name,
        "currency": order.currency,
        "issuer": seller_party(seller_order.seller),
        "buyer": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "postal_code": order.ship_postal_code,
            "city": order.ship_city,
            "country": order.ship_country,
        },
        "lines": lines,
        "shipping_incl_vat_minor": seller_order.shipping_minor,
        "vat": _vat_breakdown(lines),
        "totals": _totals(lines, paid=True),
        "payment_date": paid_on,
        "payment_terms": (
            f"Facture acquittée : payée par carte le {date.fromisoformat(paid_on):%d/%m/%Y} sur"
            f" {order.storefront.name}, encaissée par l'opérateur de la plateforme pour le compte du"
            f" vendeur. {LATE_PAYMENT}"
        ),
        "notes": [_on_behalf(seller_order.seller)],
    }


def credit_note_data(
    *, invoice_data: dict[str, Any], credits_number: str, number: str, issued_at: datetime,
    amount_minor: int, reason: str,
) -> dict[str, Any]:  # fmt: skip
    """The snapshot of a credit note of ``amount_minor`` (VAT included) on an invoice.

    A refund of the whole invoice takes back each of its lines; a partial one is split over the
    invoice's VAT rates pro rata of their amounts (largest remainder), with the VAT of each part.
    """
    full = amount_minor == invoice_data["totals"]["incl_vat_minor"]
    if full:
        lines = [dict(line) for line in invoice_data["lines"]]
    else:
        rates = [(p["rate_bp"], p["basis_minor"] + p["vat_minor"]) for p in invoice_data["vat"]]
        shares = split_largest_remainder(amount_minor, [gross for _, gross in rates])
        lines = [
            _line(
                f"{reason} (taux de TVA {Decimal(rate).scaleb(-2):n} %)",
                1,
                share,
                vat_included(share, rate),
                rate,
            )
            for (rate, _), share in zip(rates, shares, strict=True)
            if share
        ]
    return {
        **{key: invoice_data[key] for key in ("order_number", "storefront", "currency", "issuer", "buyer")},
        "kind": "credit_note",
        "title": "Avoir",
        "type_code": "381",
        "number": number,
        "issue_date": _local_date(issued_at),
        "sale_date": invoice_data["sale_date"],
        "credits_number": credits_number,
        "credits_date": invoice_data["issue_date"],
        "lines": lines,
        "shipping_incl_vat_minor": invoice_data["shipping_incl_vat_minor"] if full else 0,
        "vat": _vat_breakdown(lines),
        "totals": _totals(lines, paid=True),
        "payment_date": _local_date(issued_at),
        "payment_terms": f"{reason} : remboursé au client sur le moyen de paiement de la commande.",
        "notes": [f"Avoir sur la facture {credits_number} : {reason}.", *invoice_data.get("notes", [])],
    }


def commission_invoice_data(
    *, seller: Seller, month: date, number: str, issued_at: datetime, excl_vat_minor: int, vat_minor: int,
    rate_bp: int, currency: str, orders: int,
) -> dict[str, Any]:  # fmt: skip
    """The snapshot of the operator's invoice of a month's commissions to one seller."""
    name = f"Commissions sur les ventes de {MONTHS[month.month - 1]} {month.year} ({orders} commande(s))"
    line = {
        "name": name,
        "quantity": 1,
        "unit_excl_vat": _unit_excl_vat(excl_vat_minor, 1),
        "vat_rate_bp": rate_bp,
        "vat_minor": vat_minor,
        "total_excl_vat_minor": excl_vat_minor,
        "total_incl_vat_minor": excl_vat_minor + vat_minor,
    }
    return {
        "kind": "commission",
        "title": "Facture de commissions",
        "type_code": "380",
        "number": number,
        "issue_date": _local_date(issued_at),
        "sale_date": _month_end(month).isoformat(),
        "period": f"{MONTHS[month.month - 1]} {month.year}",
        "currency": currency,
        "issuer": operator_party(),
        "buyer": seller_party(seller),
        "lines": [line],
        "shipping_incl_vat_minor": 0,
        "vat": _vat_breakdown([line]),
        "totals": _totals([line], paid=True),
        "payment_date": _month_end(month).isoformat(),
        "payment_terms": (
            "Facture acquittée : les commissions sont retenues sur les sommes encaissées pour le compte"
            f" du vendeur (compensation, au fil des ventes du mois). {LATE_PAYMENT}"
        ),
        "notes": [],
    }


def _month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _money(minor: int, currency: str) -> str:
    return format_minor(minor, currency, "fr")


def _display(data: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with its amounts and dates written as printed (French)."""
    currency = data["currency"]

    def day(iso: str) -> str:
        return f"{date.fromisoformat(iso):%d/%m/%Y}"

    return {
        **data,
        "issue_date_fr": day(data["issue_date"]),
        "sale_date_fr": day(data["sale_date"]),
        "payment_date_fr": day(data["payment_date"]),
        "credits_date_fr": day(data["credits_date"]) if data.get("credits_date") else "",
        "rows": [
            {
                **line,
                "unit": f"{Decimal(line['unit_excl_vat']).normalize():n}".replace(".", ",")
                + " "
                + ("€" if currency == "EUR" else currency),
                "rate": f"{Decimal(line['vat_rate_bp']).scaleb(-2):n}".replace(".", ",") + " %",
                "excl": _money(line["total_excl_vat_minor"], currency),
                "vat": _money(line["vat_minor"], currency),
                "incl": _money(line["total_incl_vat_minor"], currency),
            }
            for line in data["lines"]
        ],
        "vat_rows": [
            {
                "rate": f"{Decimal(p['rate_bp']).scaleb(-2):n}".replace(".", ",") + " %",
                "basis": _money(p["basis_minor"], currency),
                "vat": _money(p["vat_minor"], currency),
            }
            for p in data["vat"]
        ],
        "excl_total": _money(data["totals"]["excl_vat_minor"], currency),
        "vat_total": _money(data["totals"]["vat_minor"], currency),
        "incl_total": _money(data["totals"]["incl_vat_minor"], currency),
        "shipping": _money(data["shipping_incl_vat_minor"], currency),
    }


def document_pdf(data: dict[str, Any]) -> bytes:
    """Render the snapshot to PDF/A-3b (WeasyPrint) and embed its Factur-X XML (checked against
    the XSD); raise InvoiceInvalid if the XML does not validate."""
    from weasyprint import CSS as WeasyCSS
    from weasyprint import HTML

    xml = facturx_xml(data)
    html = render_to_string("galerie/invoices/document.html", {"doc": _display(data)})
    pdf = HTML(string=html).write_pdf(stylesheets=[WeasyCSS(filename=str(CSS))], pdf_variant="pdf/a-3b")
    result: bytes = facturx.generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        lang="fr-FR",
        pdf_metadata={
            "author": data["issuer"]["name"],
            "keywords": "Factur-X",
            "title": f"{data['title']} {data['number']}",
            "subject": f"{data['title']} {data['number']}",
        },
    )
    return result
