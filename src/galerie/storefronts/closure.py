"""Closing a storefront: announced, no sale from its closing date, closed for good once nothing
is left open (docs/storefront-closure.md).

The lifecycle: ``open`` → (announce) ``closing`` with ``closing_on`` → (finish, when
``closure_blockers`` is empty) ``closed``; ``closing`` → (cancel) ``open`` before it is closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from galerie.core.actors import Actor
from galerie.core.errors import InvalidInput
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.storefronts.models import Storefront
from galerie.storefronts.services import _transition


def sells_on(storefront: Storefront, day: date | None = None) -> bool:
    """Whether the storefront takes new cart lines and orders on ``day`` (local; default today):
    open, or closing and before its closing date."""
    if storefront.status == Storefront.Status.OPEN:
        return True
    if storefront.status != Storefront.Status.CLOSING or storefront.closing_on is None:
        return False
    return (day or timezone.localdate()) < storefront.closing_on


@transaction.atomic
def storefront_closure_announce(
    *, storefront_id: int, closing_on: date, reason: str, by: Actor | None = None
) -> Storefront:
    """Announce the closure of an open storefront: it sells until the day before ``closing_on``
    (a local date, today or later), then open orders go on until nothing is left open.
    Emits ``storefront.closure_announced`` (banner, e-mails). Locks the storefront's row;
    raises InvalidInput (date in the past, no reason) or InvalidTransition (not open)."""
    if not reason.strip():
        raise InvalidInput({"reason": ["Say why the storefront closes: customers and sellers are told."]})
    if closing_on < timezone.localdate():
        raise InvalidInput({"closing_on": ["The closing date cannot be in the past."]})
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    if storefront.status == Storefront.Status.CLOSING and storefront.closing_on == closing_on:
        return storefront  # a retried request
    _transition(storefront_id, Storefront.Status.CLOSING, by, reason)
    storefront.refresh_from_db()
    storefront.closing_on = closing_on
    storefront.closure_announced_at = timezone.now()
    storefront.closure_reason = reason.strip()
    storefront.save(update_fields=["closing_on", "closure_announced_at", "closure_reason"])
    emit(
        "storefront.closure_announced",
        storefront_id=storefront.pk,
        closing_on=closing_on.isoformat(),
    )
    return storefront


@transaction.atomic
def storefront_closure_cancel(*, storefront_id: int, by: Actor | None = None, reason: str = "") -> Storefront:
    """Re-open a storefront announced for closure and not yet closed: it sells again at once.
    Emits ``storefront.closure_cancelled``. Raises InvalidTransition from any status but closing."""
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    if storefront.status == Storefront.Status.OPEN:
        return storefront  # a retried request
    _transition(storefront_id, Storefront.Status.OPEN, by, reason)
    storefront.refresh_from_db()
    storefront.closing_on = None
    storefront.closure_announced_at = None
    storefront.closure_reason = ""
    storefront.save(update_fields=["closing_on", "closure_announced_at", "closure_reason"])
    emit("storefront.closure_cancelled", storefront_id=storefront.pk)
    return storefront


@dataclass
class ClosureBlockers:
    """What still keeps a closing storefront from being closed for good; empty when nothing."""

    open_seller_orders: int = 0
    pending_refunds: int = 0
    withdrawal_open: int = 0
    held_minor: dict[str, int] = field(default_factory=dict)  # money still held for its sellers
    ledger_balanced: bool = True

    def __bool__(self) -> bool:
        return bool(
            self.open_seller_orders
            or self.pending_refunds
            or self.withdrawal_open
            or any(self.held_minor.values())
            or not self.ledger_balanced
        )


def closure_blockers(*, storefront_id: int) -> ClosureBlockers:
    """Return what is still open on the storefront (seller orders not shipped or not delivered,
    refunds not settled, withdrawal periods running, money held for its sellers, the ledger's
    balance)."""
    raise NotImplementedError("issue 15: closure-core helper implements this")


@transaction.atomic
def storefront_closure_finish(*, storefront_id: int, by: Actor | None = None) -> Storefront:
    """Close for good a closing storefront past its closing date with nothing left open (final
    payouts done); raise ClosureBlocked naming what is still open."""
    raise NotImplementedError("issue 15: closure-core helper implements this")
