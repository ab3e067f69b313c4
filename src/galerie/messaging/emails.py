"""The e-mail that tells a party a message waits for it: who wrote, about which order, the link to
the thread. Never the message itself nor the other party's address: the conversation stays on
the site, where contact details are masked (docs/messaging.md)."""

from __future__ import annotations

from django.urls import reverse

from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.orders.models import SellerOrder
from galerie.sellers.models import SellerMember

KIND = "message_posted"


def customer_thread_url(seller_order: SellerOrder) -> str:
    path = reverse(
        "sf:message_thread",
        kwargs={"storefront": seller_order.order.storefront.code, "number": seller_order.number},
        urlconf=URLCONF,
    )
    return site_url(path)


def seller_thread_url(seller_order: SellerOrder) -> str:
    return site_url(
        reverse("seller_area:message_thread", kwargs={"number": seller_order.number}, urlconf=URLCONF)
    )


def seller_message_recipients(*, seller_order: SellerOrder) -> list[tuple[str, str]]:
    """(address, language) of the seller's contact address and of its active members who want
    the e-mails of its orders (as for new orders), each once; the contact in the storefront's
    language, a member in theirs."""
    seller = seller_order.seller
    default = seller_order.order.storefront.default_language
    members = (
        SellerMember.objects.filter(seller=seller, notify_new_orders=True, user__is_active=True)
        .order_by("id")
        .values_list("user__email", "user__preferred_language")
    )
    seen: dict[str, tuple[str, str]] = {}
    for address, language in [(seller.email, default), *members]:
        if address and address.strip().lower() not in seen:
            seen[address.strip().lower()] = (address.strip(), language or default)
    return list(seen.values())


def message_posted_emails(*, seller_order: SellerOrder, author_party: str, to: str) -> list[Email]:
    """The notice of a new message for party ``to`` (customer or seller), one per recipient."""
    order = seller_order.order
    storefront = order.storefront
    context = {
        "number": seller_order.number,
        "shop": seller_order.seller.display_name,
        "author_party": author_party,
        "to": to,
    }
    if to == "customer":
        recipients = [(order.email, order.language or storefront.default_language)]
        context |= {"thread_url": customer_thread_url(seller_order), "name": order.customer.full_name}
    else:
        recipients = seller_message_recipients(seller_order=seller_order)
        context |= {"thread_url": seller_thread_url(seller_order), "name": ""}
    return [
        email_render(
            kind=KIND,
            template=KIND,
            storefront=storefront,
            language=language,
            recipient=address,
            reference=seller_order.number,
            context=context,
        )
        for address, language in recipients
    ]
