"""The curation e-mails to a seller: application received, approved, storefront refused, rejected,
more information requested, suspended (with the DSA statement of reasons), closed.

Each goes to the seller's contact address and its owners, in the language and colours of the
first storefront the seller applied to, once per outbox event (:func:`email_send_once`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from galerie.core.models import OutboxEvent
from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.notifications.selectors import seller_quality_recipients
from galerie.notifications.services import email_send_once
from galerie.orders.models import SellerQualityWarning
from galerie.sellers.models import Seller, SellerAdmission, SellerApplicationMessage
from galerie.sellers.selectors import seller_application_recipients, seller_for_email
from galerie.storefronts.models import Storefront


def _home_storefront(seller: Seller) -> Storefront:
    """The storefront whose theme and language the seller's e-mails use: the first applied to."""
    return seller.admissions.all()[0].storefront


def _admitted(seller: Seller) -> list[str]:
    return [a.storefront.name for a in seller.admissions.all() if a.status == SellerAdmission.Status.ADMITTED]


def seller_emails(
    *, kind: str, seller: Seller, recipients: list[str], context: dict[str, Any]
) -> list[Email]:
    """Render the curation e-mail ``kind`` (its template's name) for each recipient."""
    storefront = _home_storefront(seller)
    context = {
        "seller": seller,
        "shop": seller.display_name,
        "sell_url": site_url(reverse("seller_area:dashboard", urlconf=URLCONF)),
        "application_url": site_url(reverse("seller_area:application", urlconf=URLCONF)),
        **context,
    }
    return [
        email_render(
            kind=kind,
            template=kind,
            storefront=storefront,
            language=storefront.default_language,
            recipient=recipient,
            reference=seller.slug[:40],  # the column holds 40
            context=context,
        )
        for recipient in recipients
    ]


def _storefront_name(seller: Seller, storefront_id: int) -> str:
    return next((a.storefront.name for a in seller.admissions.all() if a.storefront_id == storefront_id), "")


def _deliver(event: OutboxEvent, kind: str, context: Callable[[Seller], dict[str, Any]]) -> None:
    seller = seller_for_email(seller_id=event.payload["seller_id"])
    if not seller.admissions.all():
        return  # no storefront to write in the name of (not made by the application form)
    recipients = seller_application_recipients(seller=seller)
    for message in seller_emails(kind=kind, seller=seller, recipients=recipients, context=context(seller)):
        email_send_once(event_uuid=event.uuid, email=message)


# --- handlers (listed in notifications/handlers.py) ------------------------------------------------


def seller_applied(event: OutboxEvent) -> None:
    """E-mail the applicant that the application is received, with the storefronts it applied to."""
    _deliver(
        event,
        "seller_application_received",
        context=lambda seller: {"storefronts": [a.storefront.name for a in seller.admissions.all()]},
    )


def seller_curation_approved(event: OutboxEvent) -> None:
    """E-mail the seller that it may sell on a storefront, with every storefront it is admitted to."""
    _deliver(
        event,
        "seller_approved",
        context=lambda seller: {
            "storefront_name": _storefront_name(seller, event.payload["storefront_id"]),
            "storefronts": _admitted(seller),
        },
    )


def seller_storefront_refused(event: OutboxEvent) -> None:
    """E-mail the seller that a storefront refused it, and why."""
    _deliver(
        event,
        "seller_admission_refused",
        context=lambda seller: {
            "storefront_name": _storefront_name(seller, event.payload["storefront_id"]),
            "reason": event.payload.get("reason", ""),
            "storefronts": _admitted(seller),
            "is_selling": seller.status in (Seller.Status.ACTIVE, Seller.Status.APPROVED),
        },
    )


def seller_rejected(event: OutboxEvent) -> None:
    """E-mail the applicant that the application is rejected, and why."""
    _deliver(event, "seller_rejected", context=lambda seller: {"reason": event.payload.get("reason", "")})


def seller_info_requested(event: OutboxEvent) -> None:
    """E-mail the applicant the operator's question, with the link to answer it."""

    def context(seller: Seller) -> dict[str, Any]:
        message = SellerApplicationMessage.objects.filter(
            pk=event.payload["message_id"], seller_id=seller.pk
        ).first()
        return {"question": message.body if message else ""}

    _deliver(event, "seller_info_requested", context=context)


def seller_suspended(event: OutboxEvent) -> None:
    """E-mail the seller the suspension with its statement of reasons (EU DSA art. 17)."""
    _deliver(
        event,
        "seller_suspended",
        context=lambda seller: {
            "reason": event.payload.get("reason", ""),
            "ground": event.payload.get("ground", ""),
            "decided_at": event.created_at,
        },
    )


def seller_closed(event: OutboxEvent) -> None:
    """E-mail the seller that its shop is closed."""
    _deliver(event, "seller_closed", context=lambda seller: {"reason": event.payload.get("reason", "")})


def seller_quality_warning(event: OutboxEvent) -> None:
    """E-mail the seller's owners and managers, each in their language, the quality figures it
    breached on a storefront: each figure, its value and the threshold (once per event)."""
    warnings = list(
        SellerQualityWarning.objects.filter(pk__in=event.payload["warning_ids"])
        .select_related("seller", "storefront")
        .order_by("id")
    )
    if not warnings:
        return
    seller, storefront = warnings[0].seller, warnings[0].storefront
    figures = [
        {
            "label": SellerQualityWarning.Figure(w.figure).label,
            "is_minimum": w.figure == SellerQualityWarning.Figure.ACCEPTANCE,
            "value": Decimal(w.value_bp) / 100,
            "threshold": Decimal(w.threshold_bp) / 100,
        }
        for w in warnings
    ]
    context = {
        "shop": seller.display_name,
        "storefront_name": storefront.name,
        "figures": figures,
        "window_days": storefront.quality_window_days,
        "quality_orders": warnings[0].orders,
        "sell_url": site_url(reverse("seller_area:dashboard", urlconf=URLCONF)),
    }
    for recipient, language in seller_quality_recipients(seller=seller):
        message = email_render(
            kind="seller_quality_warning",
            template="seller_quality_warning",
            storefront=storefront,
            language=language or storefront.default_language,
            recipient=recipient,
            reference=seller.slug[:40],
            context=context,
        )
        email_send_once(event_uuid=event.uuid, email=message)
