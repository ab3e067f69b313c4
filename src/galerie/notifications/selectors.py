"""Reads for the e-mails: each loads what one e-mail shows in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch

from galerie.checkout.models import CheckoutAttempt
from galerie.orders.models import Order, SellerOrder, Shipment, ShipmentLine
from galerie.payments.models import Refund
from galerie.sellers.models import Seller, SellerMember


def order_for_email(*, order_id: int) -> Order:
    """Return the order with its storefront, payment, seller orders, sellers and lines."""
    parts = SellerOrder.objects.select_related("seller").prefetch_related("lines").order_by("id")
    return (
        Order.objects.select_related("storefront", "payment", "customer")
        .prefetch_related(Prefetch("seller_orders", queryset=parts))
        .get(pk=order_id)
    )


def seller_order_for_email(*, seller_order_id: int) -> SellerOrder:
    """Return the seller order with its order, storefront, payment, seller and lines."""
    return (
        SellerOrder.objects.select_related("order__storefront", "order__payment", "order__customer", "seller")
        .prefetch_related("lines")
        .get(pk=seller_order_id)
    )


def shipment_for_email(*, shipment_id: int) -> Shipment:
    """Return one parcel with its lines and their order lines."""
    return Shipment.objects.prefetch_related(
        Prefetch(
            "lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("order_line_id")
        )
    ).get(pk=shipment_id)


def seller_order_recipients(*, seller: Seller) -> list[str]:
    """Return the seller's contact address and those of its members who want new orders, each once."""
    members = (
        SellerMember.objects.filter(seller=seller, notify_new_orders=True, user__is_active=True)
        .order_by("id")
        .values_list("user__email", flat=True)
    )
    seen: dict[str, str] = {}
    for address in [seller.email, *members]:
        if address and address.strip().lower() not in seen:
            seen[address.strip().lower()] = address.strip()
    return list(seen.values())


def seller_quality_recipients(*, seller: Seller) -> list[tuple[str, str]]:
    """Return (address, preferred language) of the seller's active owners and managers, each once;
    the seller's contact address (no language) when it has none."""
    members = (
        SellerMember.objects.filter(
            seller=seller,
            role__in=[SellerMember.Role.OWNER, SellerMember.Role.MANAGER],
            user__is_active=True,
        )
        .order_by("id")
        .values_list("user__email", "user__preferred_language")
    )
    seen: dict[str, tuple[str, str]] = {}
    for address, language in members or [(seller.email, "")]:
        if address and address.strip().lower() not in seen:
            seen[address.strip().lower()] = (address.strip(), language or "")
    return list(seen.values())


def refund_for_email(*, refund_id: int) -> Refund:
    """Return the refund with its payment."""
    return Refund.objects.select_related("payment").get(pk=refund_id)


def order_of_payment(*, payment_id: int) -> Order | None:
    """Return the order the payment paid for, or None (a checkout that made no order)."""
    orders = Order.objects.select_related("storefront", "payment", "customer")
    return orders.filter(payment_id=payment_id).first()


def checkout_attempt_of_payment(*, payment_id: int) -> CheckoutAttempt | None:
    """Return the checkout attempt that took the payment, with its storefront and customer."""
    return (
        CheckoutAttempt.objects.select_related("storefront", "customer", "payment")
        .filter(payment_id=payment_id)
        .first()
    )
