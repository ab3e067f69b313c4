"""Funds become available to a seller after delivery (``SellerOrder.delivered_at``) plus the
withdrawal period.

The posting moves what a delivered seller order still holds on the seller's payable (pending)
to the seller's available balance, once per seller order (key ``availability:<seller order>``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from galerie.core.locking import lock_row
from galerie.ledger.models import AccountKind, JournalEntry
from galerie.ledger.selectors import owed_by_kind
from galerie.ledger.services import AccountRef, credit, debit, entry_post, seller_funds_lock
from galerie.orders.models import SellerOrder
from galerie.payments.models import Payment

PAYABLE = AccountKind.SELLER_PAYABLE
AVAILABLE = AccountKind.SELLER_AVAILABLE


def withdrawal_days() -> int:
    return int(getattr(settings, "GALERIE_WITHDRAWAL_DAYS", 14))


@transaction.atomic
def seller_order_availability_post(*, seller_order_id: int) -> JournalEntry | None:
    """Move what a delivered seller order holds on the payable to the seller's available balance.

    Dr seller payable / Cr seller available, tagged with the payment and the seller order. Locks
    the payment (like every posting about it) then the seller's funds. Once per seller order.
    """
    part = SellerOrder.objects.select_related("order").get(pk=seller_order_id)
    key = f"availability:{part.pk}"
    if part.status != SellerOrder.Status.DELIVERED or part.delivered_at is None:
        return None
    payment = lock_row(Payment.objects.all(), part.order.payment_id)
    if done := JournalEntry.objects.filter(idempotency_key=key).first():
        return done
    seller_funds_lock(seller_ids=[part.seller_id], currency=payment.currency)
    held = owed_by_kind(payment_id=payment.pk, seller_order_id=part.pk).get(PAYABLE, 0)
    if held <= 0:
        return None
    about = {"payment_id": payment.pk, "seller_order_id": part.pk}
    return entry_post(
        idempotency_key=key,
        kind=JournalEntry.Kind.AVAILABILITY,
        description=f"Seller order {part.number} available",
        postings=[
            debit(AccountRef(PAYABLE, payment.currency, part.seller_id), held, **about),
            credit(AccountRef(AVAILABLE, payment.currency, part.seller_id), held, **about),
        ],
    )


def seller_orders_make_available(*, now: datetime | None = None, batch: int = 500) -> int:
    """Post the availability of every seller order delivered (``delivered_at``: the effective
    delivery, whichever door marked it) more than the withdrawal period (GALERIE_WITHDRAWAL_DAYS,
    14) before ``now`` and not yet made available; return how many were posted."""
    cutoff = (now or timezone.now()) - timedelta(days=withdrawal_days())
    pks = list(
        SellerOrder.objects.filter(status=SellerOrder.Status.DELIVERED, delivered_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    posted = 0
    for start in range(0, len(pks), batch):
        chunk = pks[start : start + batch]
        done = set(
            JournalEntry.objects.filter(
                idempotency_key__in=[f"availability:{pk}" for pk in chunk]
            ).values_list("idempotency_key", flat=True)
        )
        for pk in chunk:
            if f"availability:{pk}" not in done and seller_order_availability_post(seller_order_id=pk):
                posted += 1
    return posted
