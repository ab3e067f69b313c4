"""Hand-built data for the seller portal's tests: staff members, and seller orders in any status
placed on any day (the checkout is tested elsewhere; here the numbers must be chosen)."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.db import transaction

from galerie.offers.models import Offer
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.payments.models import Payment
from galerie.sellers.models import Seller, SellerMember
from galerie.sellers.services import seller_member_add
from tests.factories import make_user

_seq = itertools.count(1)


def member(seller: Seller, role: str = SellerMember.Role.OWNER, user=None):
    """Return a user working for ``seller`` with ``role`` (a new user unless given)."""
    user = user or make_user()
    with transaction.atomic():
        seller_member_add(seller=seller, user=user, role=role)
    return user


def seller_order_make(
    *,
    offer: Offer,
    placed_at: datetime,
    status: str = SellerOrder.Status.NEW,
    quantity: int = 1,
    shipping_minor: int = 0,
    refunded_minor: int = 0,
    customer=None,
) -> SellerOrder:
    """Create an order with one seller order of one line of ``offer``, placed at ``placed_at``."""
    n = next(_seq)
    items = offer.price_minor * quantity
    total = items + shipping_minor
    payment = Payment.objects.create(
        gateway="test", idempotency_key=f"portal-{n}-{offer.pk}", amount_minor=total, currency=offer.currency
    )
    order = Order.objects.create(
        number=f"PT{n:06d}-{offer.pk}",
        storefront=offer.seller.admissions.first().storefront,
        customer=customer or make_user(),
        email="buyer@example.test",
        language="en",
        ship_name="Alice Martin",
        ship_line1="3 rue des Lilas",
        ship_postal_code="69003",
        ship_city="Lyon",
        ship_country="FR",
        ship_phone="+33472000000",
        currency=offer.currency,
        items_minor=items,
        shipping_minor=shipping_minor,
        total_minor=total,
        vat_minor=0,
        payment=payment,
    )
    Order.objects.filter(pk=order.pk).update(placed_at=placed_at)  # auto_now_add: set it after
    seller_order = SellerOrder.objects.create(
        order=order,
        seller=offer.seller,
        number=f"{order.number}-1",
        status=status,
        items_minor=items,
        shipping_minor=shipping_minor,
        total_minor=total,
        vat_minor=0,
        refunded_minor=refunded_minor,
        delivery_days_min=offer.lead_time_days + 2,
        delivery_days_max=offer.lead_time_days + 4,
    )
    OrderLine.objects.create(
        seller_order=seller_order,
        offer=offer,
        variant=offer.variant,
        product_title=offer.variant.product.title,
        variant_name=offer.variant.name,
        condition=offer.condition,
        seller_sku=offer.seller_sku,
        quantity=quantity,
        unit_price_minor=offer.price_minor,
        total_minor=items,
        tax_class="standard",
        vat_rate_bp=2000,
        vat_minor=0,
    )
    return seller_order
