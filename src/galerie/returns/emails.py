"""The e-mails of withdrawals and returns, rendered like every transactional e-mail
(notifications/emails.py): in the customer's language to the customer, in the storefront's
to the seller, never giving one the other's e-mail address."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone, translation

from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.returns.models import Return
from galerie.returns.pdf import withdrawal_form_pdf


def _money(amount_minor: int, currency: str, language: str) -> str:
    from galerie.core.money import Money

    return Money(int(amount_minor), currency).format(translation.to_locale(language))


def _context(ret: Return, language: str) -> dict:
    part = ret.seller_order
    order = part.order
    with translation.override(language):
        declared = formats.date_format(timezone.localtime(ret.declared_at), "DATETIME_FORMAT")
        due = formats.date_format(timezone.localtime(ret.refund_due_by), "DATE_FORMAT")
    return {
        "ret": ret,
        "order": order,
        "part": part,
        "seller": part.seller.display_name,
        "declared": declared,
        "due": due,
        "lines": [
            {
                "quantity": line.quantity,
                "title": line.order_line.product_title,
                "variant": line.order_line.variant_name,
                "amount": _money(line.amount_minor, order.currency, language),
            }
            for line in ret.lines.select_related("order_line")
        ],
        "items": _money(ret.items_minor, order.currency, language),
        "shipping": _money(ret.shipping_minor, order.currency, language) if ret.shipping_minor else "",
        "order_url": site_url(
            reverse(
                "sf:order",
                kwargs={"storefront": order.storefront.code, "number": order.number},
                urlconf=URLCONF,
            )
        ),
    }


def return_declared_customer_email(*, ret: Return) -> Email:
    """The acknowledgement of a withdrawal or defect claim: what was declared, when, what comes
    next; a withdrawal carries the filled-in model form as a PDF (art. 11a(3) of the directive)."""
    order = ret.seller_order.order
    language = order.language or order.storefront.default_language
    email = email_render(
        kind="return_declared",
        template="return_declared",
        storefront=order.storefront,
        language=language,
        recipient=order.email,
        reference=ret.seller_order.number,
        context={**_context(ret, language), "name": order.customer.full_name},
    )
    if ret.reason != Return.Reason.WITHDRAWAL:
        return email
    with translation.override(language):
        filename = translation.gettext("withdrawal-%(number)s.pdf") % {"number": ret.seller_order.number}
    pdf = withdrawal_form_pdf(ret=ret, language=language)
    return Email(**{**email.__dict__, "attachments": ((filename, pdf, "application/pdf"),)})


def return_declared_seller_emails(*, ret: Return, recipients: list[str]) -> list[Email]:
    """Tell the seller a customer withdrew or reported a defect, and where to give instructions."""
    order = ret.seller_order.order
    language = order.storefront.default_language
    url = site_url(reverse("seller_area:return", kwargs={"return_id": ret.pk}, urlconf=URLCONF))
    return [
        email_render(
            kind="return_declared_seller",
            template="return_declared_seller",
            storefront=order.storefront,
            language=language,
            recipient=recipient,
            reference=ret.seller_order.number,
            context={**_context(ret, language), "return_url": url},
        )
        for recipient in recipients
    ]


def return_update_customer_email(*, ret: Return, status: str) -> Email:
    """Tell the customer the seller gave return instructions, or refused (with its reason)."""
    order = ret.seller_order.order
    language = order.language or order.storefront.default_language
    return email_render(
        kind=f"return_{status}",
        template="return_update",
        storefront=order.storefront,
        language=language,
        recipient=order.email,
        reference=ret.seller_order.number,
        context={**_context(ret, language), "name": order.customer.full_name, "status": status},
    )
