"""Seller orders built row by row for the seller quality tests: placed, accepted, shipped and
refunded when a test says, with the history row the acceptance-deadline job writes."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from galerie.accounts.models import User
from galerie.core.models import StatusChange
from galerie.orders.models import Order, SellerOrder
from galerie.payments.models import Payment
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront

_numbers = itertools.count(1)
Status = SellerOrder.Status
TOTAL = 1000


def place(
    storefront: Storefront,
    seller: Seller,
    customer: User,
    *,
    placed_at: datetime,
    status: str = Status.NEW,
    accepted_after: timedelta | None = None,
    shipped_after: timedelta | None = None,
    refunded_minor: int = 0,
    missed_deadline: bool = False,
    cancel_reason: str = "cancelled by the customer",
) -> SellerOrder:
    """Create one order of one seller order of ``seller`` on ``storefront`` placed at ``placed_at``."""
    n = next(_numbers)
    payment = Payment.objects.create(
        gateway="test", idempotency_key=f"quality-{uuid.uuid4().hex}", amount_minor=TOTAL, currency="EUR"
    )
    order = Order.objects.create(
        number=f"QA{n:07d}",
        storefront=storefront,
        customer=customer,
        email=customer.email,
        language="fr",
        ship_name="Alice Martin",
        ship_line1="3 rue des Lilas",
        ship_postal_code="69003",
        ship_city="Lyon",
        ship_country="FR",
        currency="EUR",
        items_minor=TOTAL,
        shipping_minor=0,
        total_minor=TOTAL,
        vat_minor=0,
        payment=payment,
    )
    Order.objects.filter(pk=order.pk).update(placed_at=placed_at)  # auto_now_add: set it after
    seller_order = SellerOrder.objects.create(
        order=order,
        seller=seller,
        number=f"{order.number}-1",
        status=status,
        items_minor=TOTAL,
        shipping_minor=0,
        total_minor=TOTAL,
        vat_minor=0,
        refunded_minor=refunded_minor,
        delivery_days_min=2,
        delivery_days_max=4,
        accepted_at=placed_at + accepted_after if accepted_after is not None else None,
        shipped_at=placed_at + shipped_after if shipped_after is not None else None,
    )
    if status == Status.CANCELLED:
        StatusChange.objects.create(
            model="orders.SellerOrder",
            object_pk=str(seller_order.pk),
            from_status=Status.ACCEPTED if accepted_after is not None else Status.NEW,
            to_status=Status.CANCELLED,
            reason="not accepted within 48 hours" if missed_deadline else cancel_reason,
        )
    return seller_order
