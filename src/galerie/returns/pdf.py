"""The model withdrawal form, filled in, as a PDF (fpdf2).

The words are those of annex I(B) of directive 2011/83/EU (English) and of the annex to
article R221-1 of the Code de la consommation (French, their translation in the .po file);
the seller's name and address, the goods, the dates and the customer's name and address are
filled in from the statement. The seller's e-mail address is not given to the customer
(issue 17): the storefront's order page is where the customer reaches the seller.
"""

from __future__ import annotations

from pathlib import Path

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from galerie.returns.models import Return

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    if FONT.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        return pdf, "DejaVu"
    return pdf, "Helvetica"


def _latin(text: str, font: str) -> str:
    # The built-in Helvetica knows Latin-1 only (used only where the DejaVu font is missing).
    return text if font != "Helvetica" else text.encode("latin-1", "replace").decode("latin-1")


def withdrawal_form_pdf(*, ret: Return, language: str) -> bytes:
    """Return the filled-in model withdrawal form of a withdrawal, in ``language``."""
    part = ret.seller_order
    order, seller = part.order, part.seller
    with translation.override(language):
        goods = "; ".join(
            f"{line.quantity} × {line.order_line.product_title}"
            + (f" ({line.order_line.variant_name})" if line.order_line.variant_name else "")
            for line in ret.lines.select_related("order_line")
        )
        seller_address = ", ".join(
            x for x in [seller.legal_name, seller.address_line1, seller.address_line2,
                        f"{seller.postal_code} {seller.city}", seller.country] if x
        )  # fmt: skip
        customer_address = ", ".join(
            x for x in [order.ship_line1, order.ship_line2, f"{order.ship_postal_code} {order.ship_city}",
                        order.ship_country] if x
        )  # fmt: skip
        declared = formats.date_format(timezone.localtime(ret.declared_at), "DATETIME_FORMAT")
        ordered = formats.date_format(timezone.localtime(order.placed_at), "DATE_FORMAT")
        received = (
            formats.date_format(timezone.localtime(part.delivered_at), "DATE_FORMAT")
            if part.delivered_at
            else "—"
        )
        to = _("To: %(seller)s, through %(storefront)s (order page)")
        notice = _(
            "I hereby give notice that I withdraw from my contract of sale of the following goods: %(goods)s"
        )
        dates = _("Ordered on %(ordered)s, received on %(received)s (order %(number)s)")
        signature = _(
            "Signature of consumer (only if this form is notified on paper): not needed, declared online"
        )
        paragraphs = [
            ("title", _("Model withdrawal form")),
            ("note", _("(complete and return this form only if you wish to withdraw from the contract)")),
            ("text", to % {"seller": seller_address, "storefront": order.storefront.name}),
            ("text", notice % {"goods": goods}),
            ("text", dates % {"ordered": ordered, "received": received, "number": part.number}),
            ("text", _("Name of consumer: %(name)s") % {"name": order.ship_name}),
            ("text", _("Address of consumer: %(address)s") % {"address": customer_address}),
            ("text", signature),
            ("text", _("Date: %(date)s") % {"date": declared}),
        ]
    pdf, font = _pdf()
    pdf.set_title(_latin(paragraphs[0][1], font))
    for style, text in paragraphs:
        size = {"title": 16, "note": 9}.get(style, 11)
        pdf.set_font(font, size=size)
        pdf.multi_cell(0, size * 0.6, _latin(text, font), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())
