"""Payout holds: a seller whose payouts are withheld (its available balance stays unpaid).

The payout run (``ledger.payouts``) skips every seller with an active hold, whatever its reason;
lifting the last hold lets the next run pay the whole available balance. Placing and lifting are
idempotent: a second placement returns the active hold, a lift of nothing lifts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from galerie.accounts.models import User
from galerie.core.outbox import emit
from galerie.ledger.models import PayoutHold


@transaction.atomic
def payout_hold_place(
    *,
    seller_id: int,
    reason: str,
    note: str = "",
    now: datetime | None = None,
    by: User | None = None,
) -> PayoutHold:
    """Withhold the seller's payouts for ``reason``; return the active hold (the existing one if
    the seller already has one for this reason). Emits ``payout_hold.placed`` once."""
    if reason not in PayoutHold.Reason.values:
        raise ValueError(f"unknown payout hold reason {reason!r}")
    active = PayoutHold.objects.filter(seller_id=seller_id, reason=reason, lifted_at__isnull=True).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            hold = PayoutHold.objects.create(
                seller_id=seller_id,
                reason=reason,
                note=note[:255],
                placed_at=now or timezone.now(),
                placed_by=by,
            )
    except IntegrityError:  # placed concurrently
        return PayoutHold.objects.get(seller_id=seller_id, reason=reason, lifted_at__isnull=True)
    emit("payout_hold.placed", hold_id=hold.pk, seller_id=seller_id, reason=reason)
    return hold


@transaction.atomic
def payout_hold_lift(
    *, seller_id: int, reason: str, now: datetime | None = None, by: User | None = None
) -> int:
    """Lift the seller's active hold for ``reason``; return how many were lifted (0 or 1)."""
    holds = list(
        PayoutHold.objects.select_for_update().filter(
            seller_id=seller_id, reason=reason, lifted_at__isnull=True
        )
    )
    for hold in holds:
        hold.lifted_at, hold.lifted_by = now or timezone.now(), by
        hold.save(update_fields=["lifted_at", "lifted_by"])
        emit("payout_hold.lifted", hold_id=hold.pk, seller_id=seller_id, reason=reason)
    return len(holds)


def held_seller_ids(*, seller_ids: Iterable[int] | None = None) -> set[int]:
    """Return the sellers (among ``seller_ids``, or all) with at least one active payout hold."""
    holds = PayoutHold.objects.filter(lifted_at__isnull=True)
    if seller_ids is not None:
        holds = holds.filter(seller_id__in=list(seller_ids))
    return set(holds.values_list("seller_id", flat=True).distinct())


def payout_holds_active(*, seller_ids: Iterable[int] | None = None) -> list[PayoutHold]:
    """Return the active holds (of ``seller_ids``, or all), with their sellers, oldest first."""
    holds = PayoutHold.objects.filter(lifted_at__isnull=True).select_related("seller")
    if seller_ids is not None:
        holds = holds.filter(seller_id__in=list(seller_ids))
    return list(holds.order_by("placed_at", "pk"))
