"""Orders built row by row for the e-mail tests (the checkout is not needed to send e-mails)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from fractions import Fraction

from django.db import transaction

from galerie.accounts.models import User
from galerie.core.models import OutboxEvent
from galerie.core.money import round_half_up
from galerie.core.outbox import emit
from galerie.offers.models import Offer
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.payments.models import Payment
from galerie.storefronts.models import Storefront
from tests.factories import make_user

_numbers = itertools.count(1)
SHIPPING_MINOR = 490


def _vat(total_minor: int, rate_bp: int = 2000) -> int:
    return round_half_up(Fraction(total_minor * rate_bp, 10_000 + rate_bp))


def make_order(
    *,
    storefront: Storefront,
    lines: Sequence[tuple[Offer, int]],
    email: str = "marie.dupont@example.test",
    language: str = "",
    card_last4: str = "4242",
    customer_name: str = "Marie Dupont",
) -> Order:
    """Create a paid order with one seller order per seller of ``lines`` ((offer, quantity) pairs)."""
    by_seller: dict[int, list[tuple[Offer, int]]] = {}
    for offer, quantity in lines:
        by_seller.setdefault(offer.seller_id, []).append((offer, quantity))
    items = sum(offer.price_minor * quantity for offer, quantity in lines)
    shipping = SHIPPING_MINOR * len(by_seller)
    total = items + shipping
    with transaction.atomic():
        payment = Payment.objects.create(
            gateway="test",
            idempotency_key=f"test-{uuid.uuid4().hex}",
            amount_minor=total,
            currency="EUR",
            status=Payment.Status.CAPTURED,
            captured_minor=total,
            card_last4=card_last4,
        )
        order = Order.objects.create(
            number=f"{storefront.code[:2].upper()}2611-T{next(_numbers):05d}",
            storefront=storefront,
            customer=User.objects.filter(email=email.lower()).first()
            or make_user(email=email, full_name=customer_name),
            email=email,
            language=language,
            ship_name="Marie Dupont",
            ship_line1="8 rue des Lilas",
            ship_line2="Bâtiment B",
            ship_postal_code="69003",
            ship_city="Lyon",
            ship_country="FR",
            ship_phone="+33 6 12 34 56 78",
            currency="EUR",
            items_minor=items,
            shipping_minor=shipping,
            total_minor=total,
            vat_minor=_vat(items) + _vat(shipping),
            payment=payment,
        )
        for index, (seller_id, seller_lines) in enumerate(by_seller.items(), start=1):
            seller_items = sum(offer.price_minor * quantity for offer, quantity in seller_lines)
            seller_order = SellerOrder.objects.create(
                order=order,
                seller_id=seller_id,
                number=f"{order.number}-{index}",
                items_minor=seller_items,
                shipping_minor=SHIPPING_MINOR,
                total_minor=seller_items + SHIPPING_MINOR,
                vat_minor=_vat(seller_items) + _vat(SHIPPING_MINOR),
                delivery_days_min=2 + index,
                delivery_days_max=4 + index,
            )
            for offer, quantity in seller_lines:
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
                    total_minor=offer.price_minor * quantity,
                    tax_class="standard",
                    vat_rate_bp=2000,
                    vat_minor=_vat(offer.price_minor * quantity),
                )
    return order


def emit_event(topic: str, **payload) -> OutboxEvent:
    """Write an outbox event as a service would: inside a committed transaction."""
    with transaction.atomic():
        return emit(topic, **payload)
