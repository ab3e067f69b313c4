"""The e-mails of a storefront's closure (docs/storefront-closure.md): announced, to its sellers
and to the customers with open orders on it; cancelled (the storefront sells again), a short
notice to the same people.

Sellers: those admitted to the storefront with an active offer (their offers are listed there)
and those with orders on it; each at its contact address and its owners' and managers'. Customers:
the address of each order of the storefront with a seller order not finished (new, accepted,
shipped). In the storefront's language and colours, once per event and recipient.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import formats, translation

from galerie.core.models import OutboxEvent
from galerie.notifications.emails import URLCONF, email_render, site_url
from galerie.notifications.services import email_send_once
from galerie.offers.models import Offer
from galerie.orders.models import Order, SellerOrder
from galerie.sellers.models import Seller, SellerAdmission, SellerMember
from galerie.storefronts.models import Storefront

OPEN = (SellerOrder.Status.NEW, SellerOrder.Status.ACCEPTED, SellerOrder.Status.SHIPPED)


def closure_seller_recipients(*, storefront_id: int) -> list[str]:
    """Return the addresses of the storefront's sellers (listed there, or with orders there):
    contact, owners and managers, each once, in a stable order. Three queries."""
    listed = SellerAdmission.objects.filter(
        storefront_id=storefront_id,
        status=SellerAdmission.Status.ADMITTED,
        seller__offers__status=Offer.Status.ACTIVE,
    ).values_list("seller_id", flat=True)
    ordered = SellerOrder.objects.filter(order__storefront_id=storefront_id).values_list(
        "seller_id", flat=True
    )
    seller_ids = set(listed.distinct()) | set(ordered.distinct())
    contacts = Seller.objects.filter(pk__in=seller_ids).order_by("pk").values_list("email", flat=True)
    members = (
        SellerMember.objects.filter(
            seller_id__in=seller_ids,
            role__in=[SellerMember.Role.OWNER, SellerMember.Role.MANAGER],
            user__is_active=True,
        )
        .order_by("seller_id", "id")
        .values_list("user__email", flat=True)
    )
    return _unique([*contacts, *members])


def closure_customer_recipients(*, storefront_id: int) -> list[str]:
    """Return the addresses of the storefront's orders with a seller order still open, each once."""
    addresses = (
        Order.objects.filter(storefront_id=storefront_id, seller_orders__status__in=OPEN)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return _unique(addresses)


def _unique(addresses: Any) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        if address and address.strip().lower() not in seen:
            seen[address.strip().lower()] = address.strip()
    return list(seen.values())


def _send(
    event: OutboxEvent, kind: str, storefront: Storefront, recipients: list[str], context: dict
) -> None:
    for recipient in recipients:
        email_send_once(
            event_uuid=event.uuid,
            email=email_render(
                kind=kind,
                template=kind,
                storefront=storefront,
                language=storefront.default_language,
                recipient=recipient,
                reference=storefront.code,
                context=context,
            ),
        )


def _context(storefront: Storefront) -> dict[str, Any]:
    with translation.override(storefront.default_language):
        closing = formats.date_format(storefront.closing_on, "DATE_FORMAT") if storefront.closing_on else ""
    return {
        "closing_on": closing,
        "reason": storefront.closure_reason,
        "shop_url": site_url(reverse("sf:home", kwargs={"storefront": storefront.code}, urlconf=URLCONF)),
        "account_url": site_url(
            reverse("sf:account", kwargs={"storefront": storefront.code}, urlconf=URLCONF)
        ),
        "sell_url": site_url(reverse("seller_area:orders", urlconf=URLCONF)),
    }


# --- handlers (listed in notifications/handlers.py) ------------------------------------------------


def storefront_closure_announced(event: OutboxEvent) -> None:
    """E-mail the storefront's sellers and its customers with open orders that it closes, the
    date sales stop, and that open orders go on."""
    storefront = Storefront.objects.get(pk=event.payload["storefront_id"])
    if storefront.status != Storefront.Status.CLOSING:
        return  # re-opened (or closed) before the worker came to it: the later event speaks
    context = _context(storefront)
    _send(
        event,
        "storefront_closing_seller",
        storefront,
        closure_seller_recipients(storefront_id=storefront.pk),
        context,
    )
    _send(
        event,
        "storefront_closing_customer",
        storefront,
        closure_customer_recipients(storefront_id=storefront.pk),
        context,
    )


def storefront_closure_cancelled(event: OutboxEvent) -> None:
    """E-mail the same people that the storefront stays open."""
    storefront = Storefront.objects.get(pk=event.payload["storefront_id"])
    recipients = _unique(
        [
            *closure_seller_recipients(storefront_id=storefront.pk),
            *closure_customer_recipients(storefront_id=storefront.pk),
        ]
    )
    _send(event, "storefront_reopened", storefront, recipients, _context(storefront))
