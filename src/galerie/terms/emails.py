"""The P2B e-mails to a seller: new terms announced, notice of termination, complaint answered.

They go to the seller's contact address and its owners, in the language and colours of the
first storefront the seller applied to (:func:`galerie.notifications.seller_emails.seller_emails`).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from galerie.notifications.emails import URLCONF, Email, site_url
from galerie.notifications.seller_emails import seller_emails
from galerie.sellers.models import Seller
from galerie.sellers.selectors import seller_application_recipients, seller_for_email


def p2b_seller_emails(*, kind: str, seller_id: int, context: dict[str, Any]) -> list[Email]:
    """Render the e-mail ``kind`` (its template's name) for each recipient of the seller; none for
    a seller without a storefront to write in the name of."""
    seller: Seller = seller_for_email(seller_id=seller_id)
    if not seller.admissions.all():
        return []
    context = {
        "terms_url": site_url(reverse("seller_terms", urlconf=URLCONF)),
        "seller_terms_url": site_url(reverse("seller_area:terms", urlconf=URLCONF)),
        "complaints_url": site_url(reverse("seller_area:complaints", urlconf=URLCONF)),
        **context,
    }
    recipients = seller_application_recipients(seller=seller)
    return seller_emails(kind=kind, seller=seller, recipients=recipients, context=context)
