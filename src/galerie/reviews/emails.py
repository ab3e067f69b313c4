"""The review e-mails: the request a week after delivery, and the notice that a review was
hidden, in the customer's language, from the storefront's sender (never the seller's address)."""

from __future__ import annotations

from django.urls import reverse

from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.orders.models import SellerOrder
from galerie.reviews.models import Review


def _order_url(seller_order: SellerOrder) -> str:
    order = seller_order.order
    path = reverse(
        "sf:order", kwargs={"storefront": order.storefront.code, "number": order.number}, urlconf=URLCONF
    )
    return site_url(path) + f"#reviews-{seller_order.pk}"


def _language(seller_order: SellerOrder) -> str:
    order = seller_order.order
    return order.language or order.storefront.default_language


def review_request_email(*, seller_order: SellerOrder) -> Email:
    """Ask the customer to review the items of one delivered seller order."""
    order = seller_order.order
    return email_render(
        kind="review_request",
        template="review_request",
        storefront=order.storefront,
        language=_language(seller_order),
        recipient=order.email,
        reference=seller_order.number,
        context={
            "order": order,
            "name": order.customer.full_name,
            "seller": seller_order.seller.display_name,
            "lines": [line.product_title for line in seller_order.lines.all()],
            "review_url": _order_url(seller_order),
            "about_url": site_url(
                reverse("sf:reviews_about", kwargs={"storefront": order.storefront.code}, urlconf=URLCONF)
            ),
        },
    )


def review_hidden_email(*, review: Review) -> Email:
    """Tell the author their review is hidden, and why."""
    seller_order = review.seller_order
    order = seller_order.order
    return email_render(
        kind="review_hidden",
        template="review_hidden",
        storefront=order.storefront,
        language=_language(seller_order),
        recipient=order.email,
        reference=seller_order.number,
        context={
            "order": order,
            "name": order.customer.full_name,
            "product": review.order_line.product_title,
            "reason": review.hidden_reason,
            "review_url": _order_url(seller_order),
            "about_url": site_url(
                reverse("sf:reviews_about", kwargs={"storefront": order.storefront.code}, urlconf=URLCONF)
            ),
        },
    )
