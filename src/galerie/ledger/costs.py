"""The operator's own costs per storefront and month (hosting, staff, marketing, other).

They are not ledger entries — the operator's bookkeeping has them — but the profit and loss
report (``ledger.pnl``) subtracts them from commission revenue. Every write says who made it:
the row keeps who entered and who last corrected it, and each change is an outbox event
(``storefront_cost.recorded`` / ``corrected`` / ``deleted``) with the acting user and the amounts.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import DomainError, NotFound, PermissionDenied
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.ledger.models import StorefrontCost
from galerie.storefronts.models import Storefront


class StorefrontCostInvalid(DomainError):
    code = "storefront_cost_invalid"
    http_status = 422


class StorefrontCostNotFound(NotFound):
    code = "storefront_cost_not_found"


def _check(*, acting_user: User, amount: Money, kind: str, month: date, storefront: Storefront) -> None:
    if not (acting_user.is_active and acting_user.is_staff):
        raise PermissionDenied(_("Only operator staff record storefront costs."))
    if kind not in StorefrontCost.Kind.values:
        raise StorefrontCostInvalid(_("Choose the kind of cost."), field="kind")
    if amount.amount_minor <= 0:
        raise StorefrontCostInvalid(_("The amount must be more than zero."), field="amount")
    if amount.currency != storefront.currency:
        raise StorefrontCostInvalid(
            _("Costs of %(storefront)s are in %(currency)s.")
            % {"storefront": storefront.name, "currency": storefront.currency},
            field="amount",
        )
    if month.day != 1:
        raise StorefrontCostInvalid(_("A cost belongs to a month: give its first day."), field="month")


def _payload(cost: StorefrontCost, user: User) -> dict[str, object]:
    return {
        "cost_id": cost.pk,
        "storefront_id": cost.storefront_id,
        "month": cost.month.isoformat(),
        "kind": cost.kind,
        "amount_minor": cost.amount_minor,
        "currency": cost.currency,
        "user_id": user.pk,
    }


@transaction.atomic
def storefront_cost_record(
    *, storefront_id: int, month: date, kind: str, amount: Money, note: str = "", acting_user: User
) -> StorefrontCost:
    """Record one cost of a storefront for a month (``month`` is its first day); raise
    PermissionDenied unless operator staff, StorefrontCostInvalid naming the field at fault."""
    storefront = Storefront.objects.filter(pk=storefront_id).first()
    if storefront is None:
        raise StorefrontCostInvalid(_("Choose a storefront."), field="storefront")
    _check(acting_user=acting_user, amount=amount, kind=kind, month=month, storefront=storefront)
    cost = StorefrontCost.objects.create(
        storefront=storefront,
        month=month,
        kind=kind,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
        note=note.strip()[:200],
        created_by=acting_user,
    )
    emit("storefront_cost.recorded", **_payload(cost, acting_user))
    return cost


def _locked(cost_id: int, acting_user: User) -> StorefrontCost:
    if not (acting_user.is_active and acting_user.is_staff):
        raise PermissionDenied(_("Only operator staff record storefront costs."))
    cost = StorefrontCost.objects.select_for_update().select_related("storefront").filter(pk=cost_id).first()
    if cost is None:
        raise StorefrontCostNotFound(_("There is no such cost."))
    return cost


@transaction.atomic
def storefront_cost_correct(
    *,
    cost_id: int,
    month: date,
    kind: str,
    amount: Money,
    note: str = "",
    acting_user: User,
    storefront_id: int | None = None,
) -> StorefrontCost:
    """Correct a recorded cost (its month, kind, amount or note); lock its row; keep who did it.
    A cost stays with its storefront: ``storefront_id``, when given, must be its own."""
    cost = _locked(cost_id, acting_user)
    if storefront_id is not None and storefront_id != cost.storefront_id:
        raise StorefrontCostInvalid(
            _("A correction keeps the storefront: delete this cost and record it for the other one."),
            field="storefront",
        )
    _check(acting_user=acting_user, amount=amount, kind=kind, month=month, storefront=cost.storefront)
    before = _payload(cost, acting_user)
    cost.month, cost.kind, cost.amount_minor, cost.note = month, kind, amount.amount_minor, note.strip()[:200]
    cost.updated_by = acting_user
    cost.save(update_fields=["month", "kind", "amount_minor", "note", "updated_by", "updated_at"])
    emit("storefront_cost.corrected", before=before, **_payload(cost, acting_user))
    return cost


@transaction.atomic
def storefront_cost_delete(*, cost_id: int, acting_user: User) -> None:
    """Delete a cost entered by mistake; the outbox event keeps what it was and who deleted it."""
    cost = _locked(cost_id, acting_user)
    emit("storefront_cost.deleted", **_payload(cost, acting_user))
    cost.delete()
