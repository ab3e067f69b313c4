"""Render the transactional e-mails: text and HTML, in the storefront's language and colours.

Every builder takes loaded objects (see ``selectors.py``) and returns :class:`Email` values;
the words are in the templates under ``templates/galerie/emails/``. Amounts are formatted
here, for the e-mail's language, so the templates only place strings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from galerie.checkout.models import CheckoutAttempt
from galerie.core.money import Money
from galerie.orders.models import Order, SellerOrder, Shipment
from galerie.payments.models import Refund
from galerie.storefronts.models import Storefront
from galerie.storefronts.theme import contrast, luminance, mix

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
URLCONF = "galerie.urls"  # path mode: /s/<code>/… works on every host


@dataclass(frozen=True)
class Email:
    kind: str
    recipient: str
    subject: str
    text: str
    html: str
    from_email: str
    language: str
    reference: str = ""
    reply_to: str = ""
    attachments: tuple[tuple[str, bytes, str], ...] = ()  # (file name, content, MIME type)


# --- theme -------------------------------------------------------------------------------

FONTS = {
    "sans": "Helvetica, Arial, sans-serif",
    "serif": "Georgia, 'Times New Roman', Times, serif",
    "rounded": "'Trebuchet MS', 'Segoe UI', Verdana, sans-serif",
}
# E-mails keep the storefront's soft ink for text on a theme colour; the colour maths is the
# storefront theme's (storefronts/theme.py).
WHITE, INK = "#ffffff", "#1d1d1f"


def _readable_on(background: str) -> str:
    return WHITE if contrast(WHITE, background) >= contrast(INK, background) else INK


def email_theme(storefront: Storefront) -> dict[str, str]:
    """Return the e-mail's colours from the storefront's theme, fixed up where they would be unreadable."""
    background = storefront.colour_background
    card = WHITE if luminance(background) > 0.5 else mix(WHITE, background, 0.08)
    text = storefront.colour_text if contrast(storefront.colour_text, card) >= 4.5 else _readable_on(card)
    primary, accent = storefront.colour_primary, storefront.colour_accent
    return {
        "background": background,
        "card": card,
        "text": text,
        "muted": mix(text, card, 0.62),
        "rule": mix(text, card, 0.14),
        "panel": mix(primary, card, 0.06),
        "primary": primary,
        "on_primary": _readable_on(primary),
        "accent": accent,
        "on_accent": _readable_on(accent),
        "link": primary if contrast(primary, card) >= 4.5 else text,
        "footer": mix(_readable_on(background), background, 0.62),
        "font": FONTS.get(storefront.font, FONTS["sans"]),
    }


def email_styles(theme: dict[str, str]) -> dict[str, str]:
    """Return the inline styles the templates use (mail clients ignore <style> blocks too often)."""
    font = f"font-family:{theme['font']};"
    return {
        "body": f"margin:0;padding:0;background-color:{theme['background']};",
        "outer": f"background-color:{theme['background']};",
        "brand": (
            f"{font}background-color:{theme['primary']};color:{theme['on_primary']};font-size:22px;"
            "font-weight:bold;letter-spacing:0.2px;padding:22px 32px;border-radius:10px 10px 0 0;"
        ),
        "card": (
            f"{font}background-color:{theme['card']};color:{theme['text']};font-size:15px;line-height:1.55;"
            "padding:32px;border-radius:0 0 10px 10px;"
        ),
        "h1": f"{font}margin:0 0 16px;font-size:23px;line-height:1.3;color:{theme['text']};",
        "h2": f"{font}margin:0 0 4px;font-size:17px;line-height:1.35;color:{theme['text']};",
        "p": f"{font}margin:0 0 14px;color:{theme['text']};",
        "muted": f"{font}margin:0 0 14px;color:{theme['muted']};font-size:13px;",
        "small": f"{font}color:{theme['muted']};font-size:13px;",
        "cell": f"{font}padding:8px 0;border-bottom:1px solid {theme['rule']};vertical-align:baseline;",
        "cell_end": (
            f"{font}padding:8px 0 8px 12px;border-bottom:1px solid {theme['rule']};vertical-align:baseline;"
            "text-align:right;white-space:nowrap;"
        ),
        "sum": f"{font}padding:4px 0;color:{theme['text']};",
        "sum_end": f"{font}padding:4px 0 4px 12px;text-align:right;white-space:nowrap;color:{theme['text']};",
        "total": (
            f"{font}padding:10px 0 4px;font-weight:bold;font-size:17px;border-top:2px solid {theme['text']};"
        ),
        "total_end": (
            f"{font}padding:10px 0 4px 12px;font-weight:bold;font-size:17px;text-align:right;"
            f"white-space:nowrap;border-top:2px solid {theme['text']};"
        ),
        "panel": (
            f"{font}background-color:{theme['panel']};border:1px solid {theme['rule']};border-radius:8px;"
            f"padding:16px 18px;color:{theme['text']};"
        ),
        "part": f"{font}padding:20px 0 6px;",
        "badge": (
            f"{font}display:inline-block;background-color:{theme['panel']};color:{theme['text']};"
            f"border:1px solid {theme['rule']};border-radius:4px;padding:1px 6px;font-size:12px;"
        ),
        "button_cell": f"background-color:{theme['accent']};border-radius:6px;",
        "button": (
            f"{font}display:inline-block;padding:13px 26px;font-size:16px;font-weight:bold;"
            f"color:{theme['on_accent']};text-decoration:none;border-radius:6px;"
        ),
        "link": f"color:{theme['link']};text-decoration:underline;",
        "footer": f"{font}padding:20px 32px;color:{theme['footer']};font-size:12px;line-height:1.5;",
        "mono": "font-family:Menlo,Consolas,'Courier New',monospace;font-size:14px;",
    }


# --- building blocks -----------------------------------------------------------------------


def site_url(path: str) -> str:
    """Return an absolute URL on the site (setting or environment GALERIE_SITE_URL)."""
    base = (
        getattr(settings, "GALERIE_SITE_URL", "")
        or os.environ.get("GALERIE_SITE_URL", "")
        or DEFAULT_SITE_URL
    )
    return base.rstrip("/") + path


def sender(storefront: Storefront) -> str:
    """Return ``"<storefront name> <address of DEFAULT_FROM_EMAIL>"``.

    The name on one line: a line break in it (typed, imported with a bundle) would make the
    header refuse it (``Address`` raises on CR/LF) and every e-mail of the storefront fail."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    name = one_line(storefront.name)
    return str(Address(display_name=name, addr_spec=address))


def _money(amount_minor: int, currency: str, language: str) -> str:
    return Money(int(amount_minor), currency).format(translation.to_locale(language))


def _country(code: str, language: str) -> str:
    try:
        return Locale.parse(translation.to_locale(language)).territories.get(code.upper(), code)
    except (UnknownLocaleError, ValueError):
        return code


def _address(order: Order, language: str) -> list[str]:
    lines = [order.ship_name, order.ship_line1, order.ship_line2]
    lines += [f"{order.ship_postal_code} {order.ship_city}", _country(order.ship_country, language)]
    return [line for line in lines if line.strip()]


def _part(seller_order: SellerOrder, currency: str, language: str) -> dict[str, Any]:
    def money(amount: int) -> str:
        return _money(amount, currency, language)

    return {
        "number": seller_order.number,
        "seller": seller_order.seller.display_name,
        "lines": [
            {
                "title": line.product_title,
                "variant": line.variant_name,
                "sku": line.seller_sku,
                "quantity": line.quantity,
                "unit": money(line.unit_price_minor),
                "total": money(line.total_minor),
            }
            for line in seller_order.lines.all()
        ],
        "items": money(seller_order.items_minor),
        "shipping": money(seller_order.shipping_minor) if seller_order.shipping_minor else "",
        "total": money(seller_order.total_minor),
        "vat": money(seller_order.vat_minor),
        "days_min": seller_order.delivery_days_min,
        "days_max": seller_order.delivery_days_max,
        "carrier": seller_order.carrier,
        "tracking": seller_order.tracking_number,
        "reason": seller_order.refusal_reason,
    }


def _order_url(order: Order) -> str:
    path = reverse(
        "sf:order", kwargs={"storefront": order.storefront.code, "number": order.number}, urlconf=URLCONF
    )
    return site_url(path)


def _customer_language(order: Order) -> str:
    return order.language or order.storefront.default_language


_BLANK_LINES = re.compile(r"\n{3,}")
# Spaces and every character Python's e-mail headers take for a line break (str.splitlines:
# \v, \f, \x1c-\x1e, \x85, \u2028, \u2029 besides \r and \n): a subject or a sender's name
# with one would be refused ("embedded header") and the e-mail never sent. Not \s: the
# no-break spaces in amounts stay.
_SPACES = re.compile(r"[ \t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` on one line, for a header: each run of spaces and line breaks made one space."""
    return _SPACES.sub(" ", text).strip()


SIGNATURE_DASHES = "-- "  # mail clients fold what follows: the footer


def email_render(
    *,
    kind: str,
    template: str,
    storefront: Storefront,
    language: str,
    recipient: str,
    reference: str = "",
    context: dict[str, Any],
) -> Email:
    """Render ``template``'s subject, text and HTML in ``language`` with the storefront's theme."""
    theme = email_theme(storefront)
    with translation.override(language):
        context = {
            **context,
            "storefront": storefront,
            "language": language,
            "theme": theme,
            "s": email_styles(theme),
            "site": site_url("/"),
            "site_host": urlsplit(site_url("/")).netloc,
            "recipient": recipient,
        }
        subject: str = render_to_string(f"galerie/emails/{template}_subject.txt", context)
        subject = one_line(subject)
        context["subject"] = subject
        text: str = render_to_string(f"galerie/emails/{template}.txt", context)
        html = render_to_string(f"galerie/emails/{template}.html", context)
    lines = (line if line == SIGNATURE_DASHES else line.rstrip() for line in text.strip().splitlines())
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"
    return Email(
        kind=kind,
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        from_email=sender(storefront),
        language=language,
        reference=reference,
    )


# --- the e-mails -------------------------------------------------------------------------


def order_placed_email(*, order: Order) -> Email:
    """The customer's order confirmation: every seller's part, totals, address, link."""
    language = _customer_language(order)
    currency = order.currency
    return email_render(
        kind="order_placed",
        template="order_placed",
        storefront=order.storefront,
        language=language,
        recipient=order.email,
        reference=order.number,
        context={
            "order": order,
            "name": order.customer.full_name,
            "parts": [_part(so, currency, language) for so in order.seller_orders.all()],
            "items": _money(order.items_minor, currency, language),
            "shipping": _money(order.shipping_minor, currency, language) if order.shipping_minor else "",
            "total": _money(order.total_minor, currency, language),
            "vat": _money(order.vat_minor, currency, language),
            "address": _address(order, language),
            "card_last4": order.payment.card_last4,
            "order_url": _order_url(order),
        },
    )


def seller_order_placed_emails(*, seller_order: SellerOrder, recipients: list[str]) -> list[Email]:
    """The seller's new-order e-mail (one per recipient): lines with SKUs, ship-to address, link."""
    order = seller_order.order
    language = order.storefront.default_language
    url = site_url(reverse("seller_area:order", kwargs={"number": seller_order.number}, urlconf=URLCONF))
    context = {
        "seller_order": seller_order,
        "part": _part(seller_order, order.currency, language),
        "address": _address(order, language),
        "phone": order.ship_phone,
        "seller_order_url": url,
    }
    return [
        email_render(
            kind="seller_order_placed",
            template="seller_order_placed",
            storefront=order.storefront,
            language=language,
            recipient=recipient,
            reference=seller_order.number,
            context=context,
        )
        for recipient in recipients
    ]


def _seller_part_email(kind: str, seller_order: SellerOrder, **extra) -> Email:
    """A customer e-mail about one seller's part of their order."""
    order = seller_order.order
    language = _customer_language(order)
    return email_render(
        kind=kind,
        template=kind,
        storefront=order.storefront,
        language=language,
        recipient=order.email,
        reference=seller_order.number,
        context={
            "order": order,
            "name": order.customer.full_name,
            "part": _part(seller_order, order.currency, language),
            "other_parts": order.seller_orders.exclude(pk=seller_order.pk).exists(),
            "order_url": _order_url(order),
            **{key: value(order, language) for key, value in extra.items()},
        },
    )


def seller_order_shipped_email(*, seller_order: SellerOrder, shipment: Shipment | None = None) -> Email:
    """Tell the customer which seller shipped which items, with the carrier and tracking number:
    those of ``shipment`` (one parcel), or of the whole part when no parcel is named (an event
    written before parcels existed)."""

    def parcel(order: Order, language: str) -> dict[str, Any]:
        whole = _part(seller_order, order.currency, language)
        if shipment is None:
            return {**whole, "number": 1, "partial": False}

        def money(amount: int) -> str:
            return _money(amount, order.currency, language)

        rows = list(shipment.lines.all())
        return {
            "number": shipment.number,
            "lines": [
                {
                    "title": row.order_line.product_title,
                    "variant": row.order_line.variant_name,
                    "sku": row.order_line.seller_sku,
                    "quantity": row.quantity,
                    "unit": money(row.order_line.unit_price_minor),
                    "total": money(row.order_line.unit_price_minor * row.quantity),
                }
                for row in rows
            ],
            "carrier": shipment.carrier,
            "tracking": shipment.tracking_number,
            # Other parcels of this seller carry the rest (shipped before, or to come).
            "partial": sum(row.quantity for row in rows) < sum(line["quantity"] for line in whole["lines"]),
        }

    return _seller_part_email("seller_order_shipped", seller_order, address=_address, parcel=parcel)


def seller_order_refused_email(*, seller_order: SellerOrder, expired: bool = False) -> Email:
    """Tell the customer a seller cannot fulfil its part, why (its reason, or ``expired``: it did
    not accept the order in time), and that this part is refunded."""
    return _seller_part_email(
        "seller_order_refused",
        seller_order,
        refund=lambda order, language: _money(seller_order.total_minor, order.currency, language),
        card_last4=lambda order, language: order.payment.card_last4,
        expired=lambda order, language: expired,
    )


def refund_order_email(*, refund: Refund, order: Order) -> Email:
    """Tell the customer money went back to their card for an order."""
    language = _customer_language(order)
    return email_render(
        kind="refund_succeeded",
        template="refund_order",
        storefront=order.storefront,
        language=language,
        recipient=order.email,
        reference=order.number,
        context={
            "order": order,
            "name": order.customer.full_name,
            "amount": _money(refund.amount_minor, refund.currency, language),
            "card_last4": refund.payment.card_last4,
            "order_url": _order_url(order),
        },
    )


def refund_checkout_email(*, refund: Refund, attempt: CheckoutAttempt) -> Email:
    """Tell a customer whose checkout made no order that their payment was given back."""
    storefront = attempt.storefront
    language = attempt.customer.preferred_language or storefront.default_language
    home = site_url(reverse("sf:home", kwargs={"storefront": storefront.code}, urlconf=URLCONF))
    return email_render(
        kind="refund_succeeded",
        template="refund_checkout",
        storefront=storefront,
        language=language,
        recipient=attempt.customer.email,
        context={
            "amount": _money(refund.amount_minor, refund.currency, language),
            "card_last4": refund.payment.card_last4,
            "name": attempt.customer.full_name,
            "storefront_url": home,
        },
    )
