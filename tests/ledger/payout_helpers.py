"""Shared helpers of the payout tests: fund sellers straight in the ledger, take an order to
delivery."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from django.utils import timezone

from galerie.ledger.models import AccountKind, JournalEntry
from galerie.ledger.services import AccountRef, credit, debit, entry_post
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship

PAYABLE, AVAILABLE = AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE
GR = AccountKind.GATEWAY_RECEIVABLE


def fund(seller_id: int, amount_minor: int, *, currency: str = "EUR") -> None:
    """Post a sale of ``amount_minor`` to the seller (counts for the reserve) and make it available."""
    key = uuid.uuid4().hex
    entry_post(
        idempotency_key=f"test-sale:{key}",
        kind=JournalEntry.Kind.ALLOCATION,
        description="test sale",
        postings=[
            debit(AccountRef(GR, currency), amount_minor),
            credit(AccountRef(PAYABLE, currency, seller_id), amount_minor),
        ],
    )
    entry_post(
        idempotency_key=f"test-available:{key}",
        kind=JournalEntry.Kind.AVAILABILITY,
        description="test availability",
        postings=[
            debit(AccountRef(PAYABLE, currency, seller_id), amount_minor),
            credit(AccountRef(AVAILABLE, currency, seller_id), amount_minor),
        ],
    )


def noon(day: date) -> datetime:
    """Noon of ``day`` in the site's time zone: the explicit "now" of a payout run of that day."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def deliver(seller_order, owner) -> None:
    """Accept, ship and deliver a seller order."""
    seller_order_accept(seller_order_id=seller_order.pk, acting_user=owner)
    seller_order_ship(
        seller_order_id=seller_order.pk, acting_user=owner, carrier="La Poste", tracking_number="T1"
    )
    seller_order_deliver(seller_order_id=seller_order.pk, acting_user=owner)
