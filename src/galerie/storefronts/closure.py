"""Closing a storefront: announced, no sale from its closing date, closed for good once nothing
is left open (docs/storefront-closure.md).

The lifecycle: ``open`` → (announce) ``closing`` with ``closing_on`` → (finish, when
``closure_blockers`` is empty) ``closed``; ``closing`` → (cancel) ``open`` before it is closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from galerie.core.actors import Actor, System
from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.storefronts.errors import ClosureBlocked, StorefrontNotSelling
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


def storefront_not_selling(storefront: Storefront) -> StorefrontNotSelling:
    """Return the error a refused cart line or order raises, in the storefront's language."""
    with translation.override(storefront.default_language):
        if storefront.status == Storefront.Status.CLOSING and storefront.closing_on is not None:
            message = _(
                "%(name)s stopped selling on %(date)s: it takes no new orders. Orders placed before"
                " are delivered, refunded or returned as usual."
            ) % {"name": storefront.name, "date": formats.date_format(storefront.closing_on, "DATE_FORMAT")}
        else:
            message = _("%(name)s takes no orders.") % {"name": storefront.name}
    return StorefrontNotSelling(message, field="storefront")


def storefront_sells_check(storefront: Storefront, *, day: date | None = None) -> None:
    """Raise StorefrontNotSelling (in the storefront's language) unless it sells on ``day``."""
    if not sells_on(storefront, day):
        raise storefront_not_selling(storefront)


@transaction.atomic
def storefront_closure_announce(
    *,
    storefront_id: int,
    closing_on: date,
    reason: str,
    by: Actor | None = None,
    today: date | None = None,
) -> Storefront:
    """Announce the closure of an open storefront: it sells until the day before ``closing_on``
    (a local date, today or later), then open orders go on until nothing is left open.
    Emits ``storefront.closure_announced`` (banner, e-mails). Locks the storefront's row;
    raises InvalidInput (date in the past, no reason) or InvalidTransition (not open)."""
    if not reason.strip():
        raise InvalidInput({"reason": ["Say why the storefront closes: customers and sellers are told."]})
    if closing_on < (today or timezone.localdate()):
        raise InvalidInput({"closing_on": ["The closing date cannot be in the past."]})
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    if storefront.status == Storefront.Status.CLOSING and storefront.closing_on == closing_on:
        return storefront  # a retried request
    _transition(storefront_id, Storefront.Status.CLOSING, by, reason)
    storefront.refresh_from_db()
    storefront.closing_on = closing_on
    storefront.closure_announced_at = timezone.now()
    storefront.closure_reason = reason.strip()
    storefront.sales_stopped_at = None
    storefront.save(
        update_fields=["closing_on", "closure_announced_at", "closure_reason", "sales_stopped_at"]
    )
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
    storefront.sales_stopped_at = None
    storefront.save(
        update_fields=["closing_on", "closure_announced_at", "closure_reason", "sales_stopped_at"]
    )
    emit("storefront.closure_cancelled", storefront_id=storefront.pk)
    return storefront


def storefronts_sales_stop(*, now: datetime | None = None) -> int:
    """Mark the closing storefronts whose closing date has come (local date of ``now``) and emit
    ``storefront.sales_stopped`` for each, once: its cached pages (``storefront:<id>``, which every
    listing page also records) go stale, so none of them shows an offer of before the date.
    Return how many were marked. Safe to run twice or concurrently (the row is locked)."""
    now = now or timezone.now()
    due = Storefront.objects.filter(
        status=Storefront.Status.CLOSING,
        closing_on__lte=timezone.localdate(now),
        sales_stopped_at__isnull=True,
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(due):
        with transaction.atomic():
            storefront = lock_row(Storefront.objects.all(), pk)
            if storefront.sales_stopped_at is not None or sells_on(storefront, timezone.localdate(now)):
                continue
            storefront.sales_stopped_at = now
            storefront.save(update_fields=["sales_stopped_at"])
            emit("storefront.sales_stopped", storefront_id=pk, closing_on=str(storefront.closing_on))
            marked += 1
    return marked


# --- what blocks the end ----------------------------------------------------------------------


@dataclass
class ClosureBlockers:
    """What still keeps a closing storefront from being closed for good; empty (falsy) when
    nothing. ``debts_minor`` (what its sellers still owe the operator after the final payouts) is
    listed in the report and does not block; ``details`` holds what the counts are made of (order
    numbers, refund ids, sellers' amounts) for the report."""

    open_seller_orders: int = 0
    pending_refunds: int = 0
    withdrawal_open: int = 0
    held_minor: dict[str, int] = field(default_factory=dict)  # money still held for its sellers
    ledger_balanced: bool = True
    payments_unsettled: int = 0  # payments of its orders the gateway has not settled, or disputed
    debts_minor: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.open_seller_orders
            or self.pending_refunds
            or self.withdrawal_open
            or any(self.held_minor.values())
            or not self.ledger_balanced
            or self.payments_unsettled
        )

    def describe(self) -> list[str]:
        """Say what blocks, one sentence part each (in the active language)."""
        parts = []
        if self.open_seller_orders:
            parts.append(
                ngettext("%(n)d open seller order", "%(n)d open seller orders", self.open_seller_orders)
                % {"n": self.open_seller_orders}
            )
        if self.pending_refunds:
            parts.append(
                ngettext("%(n)d refund not settled", "%(n)d refunds not settled", self.pending_refunds)
                % {"n": self.pending_refunds}
            )
        if self.withdrawal_open:
            parts.append(
                ngettext(
                    "%(n)d delivered order still in its withdrawal period",
                    "%(n)d delivered orders still in their withdrawal period",
                    self.withdrawal_open,
                )
                % {"n": self.withdrawal_open}
            )
        if self.payments_unsettled:
            parts.append(
                ngettext(
                    "%(n)d payment not settled with the gateway",
                    "%(n)d payments not settled with the gateway",
                    self.payments_unsettled,
                )
                % {"n": self.payments_unsettled}
            )
        for currency, amount in sorted(self.held_minor.items()):
            if amount:
                locale = translation.to_locale(translation.get_language() or "en")
                parts.append(
                    _("%(amount)s still held for its sellers")
                    % {"amount": Money(amount, currency).format(locale)}
                )
        if not self.ledger_balanced:
            parts.append(_("the ledger does not balance"))
        return parts


class ClosureGuard(Protocol):
    def __call__(self, *, storefront: Storefront, now: datetime, blockers: ClosureBlockers) -> None: ...


class ClosureHook(Protocol):
    def __call__(self, *, storefront: Storefront, now: datetime, by: Actor) -> None: ...


# Storefronts sit below orders, payments' uses and the ledger (docs/architecture.md): the apps that
# own those rows register, in their AppConfig.ready(), a guard that fills in what blocks and a
# hook run by the finish (the final payouts), as they do for a seller's closure.
_GUARDS: dict[str, ClosureGuard] = {}
_HOOKS: dict[str, ClosureHook] = {}


def closure_guard_register(name: str, guard: ClosureGuard) -> None:
    """Register ``guard(storefront=, now=, blockers=)``, which fills in the fields it knows."""
    _GUARDS[name] = guard


def closure_hook_register(name: str, hook: ClosureHook) -> None:
    """Register ``hook(storefront=, now=, by=)``, run by the finish inside its transaction before
    the last check (the final payouts)."""
    _HOOKS[name] = hook


def _blockers(storefront: Storefront, now: datetime) -> ClosureBlockers:
    blockers = ClosureBlockers()
    for guard in _GUARDS.values():
        guard(storefront=storefront, now=now, blockers=blockers)
    return blockers


def closure_blockers(*, storefront_id: int, now: datetime | None = None) -> ClosureBlockers:
    """Return what is still open on the storefront (seller orders not shipped or not delivered,
    refunds not settled, withdrawal periods running, payments not settled, money held for its
    sellers, the ledger's balance) at ``now`` (default: now)."""
    storefront = Storefront.objects.get(pk=storefront_id)
    return _blockers(storefront, now or timezone.now())


def _blocked(storefront: Storefront, parts: list[str], blockers: ClosureBlockers | None) -> ClosureBlocked:
    return ClosureBlocked(
        _("%(name)s cannot be closed yet: %(what)s.") % {"name": storefront.name, "what": "; ".join(parts)},
        blockers=blockers,
    )


@transaction.atomic
def storefront_closure_finish(
    *, storefront_id: int, by: Actor | None = None, now: datetime | None = None
) -> Storefront:
    """Close for good a closing storefront past its closing date with nothing left open: run the
    final payouts of its sellers (registered hooks), check again, then ``closed`` with
    ``closed_at``; emits ``storefront.closed``. Locks the storefront's row. Raises ClosureBlocked
    naming what is still open (nothing changed), InvalidTransition if it is not closing; a
    closed storefront is returned as it is (a retry)."""
    now = now or timezone.now()
    by = by or System("storefront closure")
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    if storefront.status == Storefront.Status.CLOSED:
        return storefront
    if storefront.status != Storefront.Status.CLOSING or storefront.closing_on is None:
        _transition(storefront_id, Storefront.Status.CLOSED, by, "")  # raises InvalidTransition
        raise InvalidTransition(_("Only a storefront announced for closure can be closed."), field="status")
    if sells_on(storefront, timezone.localdate(now)):
        date_text = formats.date_format(storefront.closing_on, "DATE_FORMAT")
        raise _blocked(
            storefront, [_("it sells until its closing date, %(date)s") % {"date": date_text}], None
        )
    before = _blockers(storefront, now)
    # Money held for its sellers is what the final payouts settle; anything else must be done first.
    others = ClosureBlockers(**{**before.__dict__, "held_minor": {}})
    if others:
        raise _blocked(storefront, others.describe(), before)
    for hook in _HOOKS.values():
        hook(storefront=storefront, now=now, by=by)
    after = _blockers(storefront, now)
    if after:
        raise _blocked(storefront, after.describe(), after)
    _transition(storefront_id, Storefront.Status.CLOSED, by, storefront.closure_reason)
    storefront.refresh_from_db()
    storefront.closed_at = now
    storefront.save(update_fields=["closed_at"])
    emit(
        "storefront.closed",
        storefront_id=storefront.pk,
        debts_minor=after.debts_minor,
        sellers_in_debt=after.details.get("sellers_in_debt", []),
    )
    return storefront


def storefronts_closure_finish_due(
    *, now: datetime | None = None, log: Callable[[str], None] | None = None
) -> int:
    """Try to close for good every closing storefront past its closing date; return how many
    closed. One that is still blocked stays closing (logged), to be tried again."""
    now = now or timezone.now()
    closed = 0
    due = Storefront.objects.filter(
        status=Storefront.Status.CLOSING, closing_on__lte=timezone.localdate(now)
    ).values_list("pk", flat=True)
    for pk in list(due):
        try:
            storefront_closure_finish(storefront_id=pk, now=now, by=System("job:storefronts.closure_finish"))
        except ClosureBlocked as error:
            if log:
                log(error.message)
            continue
        closed += 1
    return closed
