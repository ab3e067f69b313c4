"""Every write of withdrawals and returns (docs/withdrawal-and-returns.md).

The customer declares (``withdrawal_declare``, ``defect_declare``); the seller instructs,
receives, refunds or refuses; the operator may refund over the seller's head. A refund goes
through ``payment_refund`` with the key ``seller-order-<uuid hex>-return-<id>`` so the ledger
takes it from that seller order (payable, commission and VAT pro rata).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import DomainError, InvalidInput
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.core.uploads import PDF_HEAD, DocumentRefused, pdf_check
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import SellerOrder
from galerie.orders.selectors import seller_ids_for_member
from galerie.orders.services import DECIDERS, HANDLERS
from galerie.payments.services import payment_refund
from galerie.returns.errors import LineNotReturnable, RefundTooLarge, ReturnNotFound, WithdrawalNotOffered
from galerie.returns.holds import return_hold_post, return_hold_release
from galerie.returns.models import Return, ReturnLine, WithdrawalPeriod
from galerie.returns.periods import GUARANTEE_DAYS, returnable_lines, returned_quantities, withdrawal_state

Status = Return.Status
REFUND_DAYS = 14  # L221-24: the refund is due within 14 days of the withdrawal statement
DEFECT_REFUND_DAYS = 30  # L217-10: a remedy within 30 days of the claim
LABEL_MAX_BYTES = 5 * 1024 * 1024


def refund_key(ret: Return) -> str:
    """The refund's idempotency key: the ledger attributes it to the seller order."""
    return f"seller-order-{ret.seller_order.uuid.hex}-return-{ret.pk}"


def _lock_customer_part(customer: User, seller_order_id: int) -> SellerOrder:
    try:
        part = lock_row(SellerOrder.objects.filter(order__customer=customer), seller_order_id)
    except SellerOrder.DoesNotExist:
        raise OrderNotFound(_("There is no such order in your account.")) from None
    return part


def _why_not(why: str) -> str:
    return {
        "private_seller": _(
            "This part was sold by a private seller: the consumer right of withdrawal does not apply."
        ),
        "not_delivered": _("You can withdraw from this part once it is delivered."),
        "over": _("The withdrawal period of this part is over."),
        "excluded": _(
            "The items left in this part are excluded from the right of withdrawal (Code de la"
            " consommation L221-28)."
        ),
        "nothing_left": _(
            "Every item of this part that can be withdrawn is already in a withdrawal or return."
        ),
        "closed": _("This part was refused or cancelled and refunded: there is nothing to withdraw from."),
        "refunded": _("This part was refunded in full already: there is nothing left to withdraw from."),
    }.get(why, why)


def _lines_and_amounts(
    part: SellerOrder, quantities: Mapping[int, int], seals: Mapping[int, bool], *, withdrawal: bool
) -> tuple[list[ReturnLine], int, int]:
    """Check the chosen quantities; return the lines (unsaved), the items' price and the delivery
    refunded (all of it when, with this return, every item of the seller order is returned)."""
    rows = {r.line.pk: r for r in returnable_lines(part)}
    chosen = {int(k): int(v) for k, v in quantities.items() if int(v) > 0}
    if not chosen:
        raise InvalidInput({"quantities": [_("Choose at least one item and its quantity.")]})
    lines: list[ReturnLine] = []
    for line_id, quantity in chosen.items():
        row = rows.get(line_id)
        if row is None:
            raise InvalidInput({"quantities": [_("Choose items of this part of your order.")]})
        title = row.line.product_title
        if quantity > row.left:
            raise LineNotReturnable(
                _("At most %(n)s of “%(title)s” can still be returned.") % {"n": row.left, "title": title},
                field=f"qty-{line_id}",
            )
        seal = None
        if withdrawal and row.excluded:
            raise LineNotReturnable(exclusion_text(row.exception, title), field=f"qty-{line_id}")
        if withdrawal and row.sealed:
            seal = bool(seals.get(line_id))
            if not seal:
                raise LineNotReturnable(exclusion_text(row.exception, title), field=f"seal-{line_id}")
        lines.append(
            ReturnLine(
                order_line=row.line,
                quantity=quantity,
                amount_minor=row.line.unit_price_minor * quantity,
                seal_intact=seal,
            )
        )
    items = sum(line.amount_minor for line in lines)
    whole = all(r.left == chosen.get(pk, 0) for pk, r in rows.items())
    shipping_refunded = part.returns.exclude(status=Status.REFUSED).filter(shipping_minor__gt=0).exists()
    shipping = part.shipping_minor if whole and not shipping_refunded else 0
    return lines, items, shipping


def exclusion_text(exception: str, title: str) -> str:
    """Why a line cannot be withdrawn (L221-28), in the reader's language."""
    texts = {
        "personalised": _(
            "“%(title)s” was made to your specifications or personalised: no withdrawal (L221-28 3°)."
        ),
        "sealed_hygiene": _(
            "“%(title)s” is sealed for health or hygiene reasons: it can be withdrawn only with its seal"
            " intact (L221-28 5°). Tick the box if the seal is intact."
        ),
        "sealed_media": _(
            "“%(title)s” is a sealed recording or software: it can be withdrawn only with its seal intact"
            " (L221-28 9°). Tick the box if the seal is intact."
        ),
        "press": _("“%(title)s” is a newspaper or magazine: no withdrawal (L221-28 10°)."),
        "perishable": _("“%(title)s” can deteriorate or expire rapidly: no withdrawal (L221-28 4°)."),
    }
    return texts.get(exception, "%(title)s") % {"title": title}


def withdrawal_declare(
    *,
    seller_order_id: int,
    customer: User,
    quantities: Mapping[int, int],
    seals: Mapping[int, bool] | None = None,
    now: datetime | None = None,
) -> Return:
    """Record the customer's withdrawal statement from some items of a seller order.

    Refuses (nothing written) outside the period, for a private seller, for excluded lines and
    more than is left. Holds the withdrawn value off the seller's balances (returns/holds.py) and
    emits ``return.declared`` (the acknowledgement e-mail with the filled-in model form).
    """
    now = now or timezone.now()
    with transaction.atomic():
        part = _lock_customer_part(customer, seller_order_id)
        state = withdrawal_state(seller_order=part, now=now)
        if not state.offered:
            raise WithdrawalNotOffered(_why_not(state.why))
        lines, items, shipping = _lines_and_amounts(part, quantities, seals or {}, withdrawal=True)
        return _return_create(
            part, customer, Return.Reason.WITHDRAWAL, now, REFUND_DAYS, lines, items, shipping
        )


def _return_create(
    part: SellerOrder,
    customer: User,
    reason: str,
    now: datetime,
    due_days: int,
    lines: list[ReturnLine],
    items: int,
    shipping: int,
    **extra: Any,
) -> Return:
    """Write a declared return with its lines and hold its value off the seller's balances (a
    defect's too: the seller is not paid what it may have to refund); emit ``return.declared``."""
    ret = Return.objects.create(
        seller_order=part,
        customer=customer,
        reason=reason,
        declared_at=now,
        refund_due_by=now + timedelta(days=due_days),
        items_minor=items,
        shipping_minor=shipping,
        **extra,
    )
    for line in lines:
        line.ret = ret
    ReturnLine.objects.bulk_create(lines)
    ret.held_minor = return_hold_post(ret=ret, amount_minor=items + shipping)
    ret.save(update_fields=["held_minor"])
    emit("return.declared", return_id=ret.pk, seller_order_id=part.pk, order_id=part.order_id)
    return ret


def defect_declare(
    *,
    seller_order_id: int,
    customer: User,
    quantities: Mapping[int, int],
    description: str,
    now: datetime | None = None,
) -> Return:
    """Record a claim under the legal guarantee of conformity (L217-3), two years from delivery."""
    now = now or timezone.now()
    if not description.strip():
        raise InvalidInput({"description": [_("Describe the defect.")]})
    with transaction.atomic():
        part = _lock_customer_part(customer, seller_order_id)
        if not part.seller.is_trader:
            raise WithdrawalNotOffered(
                _("The legal guarantee of conformity binds professional sellers only.")
            )
        if part.status != SellerOrder.Status.DELIVERED or part.delivered_at is None:
            raise WithdrawalNotOffered(_("You can report a defect once the parcel is delivered."))
        if now >= part.delivered_at + timedelta(days=GUARANTEE_DAYS):
            raise WithdrawalNotOffered(_("The two-year legal guarantee of this part is over."))
        lines, items, shipping = _lines_and_amounts(part, quantities, {}, withdrawal=False)
        return _return_create(
            part, customer, Return.Reason.DEFECT, now, DEFECT_REFUND_DAYS, lines, items, shipping,
            defect_description=description.strip(),
        )  # fmt: skip


def _lock_for_member(user: User, return_id: int, roles: tuple[str, ...]) -> Return:
    allowed = seller_ids_for_member(user, roles=roles)
    try:
        return lock_row(Return.objects.filter(seller_order__seller_id__in=allowed), return_id)
    except Return.DoesNotExist:
        raise ReturnNotFound(_("There is no such return for your shop.")) from None


def _check_label(label: UploadedFile) -> bytes:
    """A label is a PDF, checked by its content (not its name) and parsed, at most 5 MB."""
    if label.size is None or label.size > LABEL_MAX_BYTES:
        raise InvalidInput({"label": [_("The label must be a PDF file of at most 5 MB.")]})
    label.seek(0)
    head = label.read(5)
    label.seek(0)
    if head != PDF_HEAD:
        raise InvalidInput({"label": [_("The label must be a PDF file (this file is not a PDF).")]})
    try:
        return pdf_check(label, max_bytes=LABEL_MAX_BYTES)
    except DocumentRefused as refused:
        raise InvalidInput({"label": [str(refused)]}) from None


def return_instruct(
    *,
    return_id: int,
    acting_user: User,
    instructions: str,
    label: UploadedFile | None = None,
    now: datetime | None = None,
) -> Return:
    """Give the customer the return address or a prepaid label (a PDF kept privately)."""
    if not instructions.strip() and label is None:
        raise InvalidInput({"instructions": [_("Give the return address or upload a label.")]})
    checked = _check_label(label) if label is not None else None
    with transaction.atomic():
        ret = _lock_for_member(acting_user, return_id, HANDLERS)
        ret.instructions = instructions.strip()
        ret.instructed_at = now or timezone.now()
        fields = ["instructions", "instructed_at"]
        if checked is not None:
            ret.label.save("label.pdf", ContentFile(checked), save=False)
            fields.append("label")
        transition(ret, to=Status.INSTRUCTED, by=acting_user, extra_fields=tuple(fields))
    return ret


def return_receive(
    *, return_id: int, acting_user: User, note: str = "", now: datetime | None = None
) -> Return:
    """Mark the returned items received, with what the inspection found."""
    with transaction.atomic():
        ret = _lock_for_member(acting_user, return_id, HANDLERS)
        ret.received_at = now or timezone.now()
        ret.inspection_note = note.strip()
        transition(ret, to=Status.RECEIVED, by=acting_user, extra_fields=("received_at", "inspection_note"))
    return ret


def return_refuse(*, return_id: int, acting_user: User, reason: str) -> Return:
    """Refuse a return with a reason the customer reads; give the held value back to the seller."""
    if not reason.strip():
        raise InvalidInput({"reason": [_("Tell the customer why you refuse.")]})
    with transaction.atomic():
        ret = _lock_for_member(acting_user, return_id, DECIDERS)
        ret.refusal_reason = reason.strip()
        transition(ret, to=Status.REFUSED, by=acting_user, reason=reason, extra_fields=("refusal_reason",))
        return_hold_release(ret=ret, refunded_minor=0)
        emit("return.refused", return_id=ret.pk, seller_order_id=ret.seller_order_id)
    return ret


def _decide_refund(ret: Return, *, by: User, depreciation_minor: int, depreciation_reason: str) -> None:
    """Fix the refund's amount and move to refunding (in the caller's transaction, return locked)."""
    if ret.status == Status.REFUNDING or ret.status == Status.REFUNDED:
        return  # decided already: a retry
    if ret.reason == Return.Reason.DEFECT and depreciation_minor:
        raise InvalidInput({"depreciation": [_("A defective item is refunded in full (L217-17).")]})
    if depreciation_minor < 0 or depreciation_minor > ret.items_minor:
        raise InvalidInput(
            {"depreciation": [_("The depreciation is between 0 and the items' price, %(max)s.")
                              % {"max": Money(ret.items_minor, ret.seller_order.order.currency)}]}
        )  # fmt: skip
    if depreciation_minor and not depreciation_reason.strip():
        raise InvalidInput({"depreciation_reason": [_("Justify the depreciation: the customer reads it.")]})
    part = lock_row(SellerOrder.objects.all(), ret.seller_order_id)
    amount = ret.items_minor + ret.shipping_minor - depreciation_minor
    left = part.total_minor - part.refunded_minor
    if ret.held_minor:  # ``{}``: declared before holds existed, nothing to cap by
        # The hold kept what the part still held of this return's value: less than the value, down
        # to nothing, when an incident gave some or all of it back already. The refund is at most
        # that, so that no two refunds pay the same money back and every other return keeps its
        # hold (what open returns hold is the part's clearing).
        amount = min(amount, sum(int(v) for v in ret.held_minor.values()))
    if amount > left:
        raise RefundTooLarge(
            _("At most %(left)s can still be refunded on this seller order.")
            % {"left": Money(left, part.order.currency)}
        )
    ret.depreciation_minor = depreciation_minor
    ret.depreciation_reason = depreciation_reason.strip()
    ret.refund_minor = amount
    # Reserve it on the seller order now, so two refunds never pass the total together.
    SellerOrder.objects.filter(pk=part.pk).update(
        refunded_minor=F("refunded_minor") + amount, updated_at=timezone.now()
    )
    transition(
        ret,
        to=Status.REFUNDING,
        by=by,
        extra_fields=("depreciation_minor", "depreciation_reason", "refund_minor"),
    )


def return_refund(
    *,
    return_id: int,
    acting_user: User,
    depreciation_minor: int = 0,
    depreciation_reason: str = "",
    now: datetime | None = None,
) -> Return:
    """Refund a return (items, the delivery when all is returned, minus a justified depreciation).

    The decision is committed first (and the amount reserved on ``SellerOrder.refunded_minor``),
    then the gateway is asked outside any transaction with the return's own key, so a retry
    refunds once (the job ``returns.refunds_due`` retries what the gateway could not do yet).
    """
    with transaction.atomic():
        ret = _lock_for_member(acting_user, return_id, DECIDERS)
        if ret.status == Status.REFUSED:
            raise ReturnNotFound(_("You refused this return; only the operator can refund it now."))
        _decide_refund(
            ret,
            by=acting_user,
            depreciation_minor=depreciation_minor,
            depreciation_reason=depreciation_reason,
        )
    return return_refund_send(return_id=ret.pk, now=now)


def _check_still_returnable(ret: Return) -> None:
    """A refused return's items count as kept by the customer, who may withdraw or return them
    again: overruling the refusal then would refund the same items twice (and its hold would find
    their value held by the later return). Raise LineNotReturnable if that happened."""
    taken = returned_quantities(ret.seller_order)  # refused returns, this one too, left out
    for line in ret.lines.select_related("order_line"):
        if taken.get(line.order_line_id, 0) + line.quantity > line.order_line.quantity:
            raise LineNotReturnable(
                _("The items of this return are in a later withdrawal or return: decide that one instead.")
            )


def return_overrule(
    *,
    return_id: int,
    operator: User,
    depreciation_minor: int = 0,
    depreciation_reason: str = "",
    now: datetime | None = None,
) -> Return:
    """The operator refunds a return over the seller's head (a refusal or a late refund)."""
    if not operator.is_staff:
        raise ReturnNotFound(_("There is no such return."))
    with transaction.atomic():
        ret = lock_row(Return.objects.select_related("seller_order__order"), return_id)
        ret.overruled_by = operator
        fields = ["overruled_by"]
        if ret.status == Status.REFUSED:
            _check_still_returnable(ret)
            # The refusal gave the held value back to the seller: hold it again until the refund.
            ret.held_minor = return_hold_post(
                ret=ret, amount_minor=ret.items_minor + ret.shipping_minor, again=True
            )
            fields.append("held_minor")
        ret.save(update_fields=fields)
        _decide_refund(
            ret, by=operator, depreciation_minor=depreciation_minor, depreciation_reason=depreciation_reason
        )
    return return_refund_send(return_id=ret.pk, now=now)


def return_refund_send(*, return_id: int, now: datetime | None = None) -> Return:
    """Ask the gateway for a decided refund, then record it; idempotent (the key is the return's)."""
    ret = Return.objects.select_related("seller_order__order").get(pk=return_id)
    if ret.status != Status.REFUNDING or ret.refund_minor is None:
        return ret
    order, amount = ret.seller_order.order, ret.refund_minor
    if amount == 0:  # all of it depreciated: nothing to ask of the gateway
        with transaction.atomic():
            ret = lock_row(Return.objects.select_related("seller_order__order"), return_id)
            if ret.status == Status.REFUNDING:
                ret.refunded_at = now or timezone.now()
                transition(ret, to=Status.REFUNDED, extra_fields=("refunded_at",))
                return_hold_release(ret=ret, refunded_minor=0)
        return ret
    try:
        refund = payment_refund(
            payment_id=order.payment_id,
            amount=Money(amount, order.currency),
            idempotency_key=refund_key(ret),
            reason=f"{ret.seller_order.number} return {ret.pk}",
        )
    except DomainError:
        return ret  # not refundable now: the job asks again
    with transaction.atomic():
        ret = lock_row(Return.objects.select_related("seller_order__order"), return_id)
        if ret.status != Status.REFUNDING:
            return ret
        ret.refund = refund
        ret.refunded_at = now or timezone.now()
        transition(ret, to=Status.REFUNDED, extra_fields=("refund", "refunded_at"))
        return_hold_release(ret=ret, refunded_minor=ret.refund_minor or 0)
        emit(
            "return.refunded",
            return_id=ret.pk,
            seller_order_id=ret.seller_order_id,
            amount_minor=ret.refund_minor,
            currency=order.currency,
        )
    return ret


def returns_refunds_send(*, batch: int = 100) -> int:
    """Retry every decided refund the gateway has not taken yet; return how many were made."""
    done = 0
    for pk in (
        Return.objects.filter(status=Status.REFUNDING).order_by("pk").values_list("pk", flat=True)[:batch]
    ):
        done += return_refund_send(return_id=pk).status == Status.REFUNDED
    return done


def withdrawal_periods_sync(*, now: datetime | None = None, batch: int = 500) -> tuple[int, int]:
    """Open the period of every delivered seller order of a professional seller that has none,
    and close (``over``) every period whose end has passed; return (opened, closed)."""
    from galerie.returns.periods import withdrawal_ends_at

    now = now or timezone.now()
    new = list(
        SellerOrder.objects.filter(
            status=SellerOrder.Status.DELIVERED,
            delivered_at__isnull=False,
            seller__kind="trader",
            withdrawal_period__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "delivered_at")[:batch]
    )
    WithdrawalPeriod.objects.bulk_create(
        [
            WithdrawalPeriod(seller_order_id=pk, starts_at=at, ends_at=withdrawal_ends_at(at))
            for pk, at in new
            if at is not None  # filtered above; for the type checker
        ],
        ignore_conflicts=True,
    )
    closed = 0
    due = WithdrawalPeriod.objects.filter(status=WithdrawalPeriod.Status.OPEN, ends_at__lte=now)
    for pk in due.order_by("pk").values_list("pk", flat=True)[:batch]:
        with transaction.atomic():
            period = lock_row(WithdrawalPeriod.objects.all(), pk)
            if period.status == WithdrawalPeriod.Status.OPEN and period.ends_at <= now:
                transition(period, to=WithdrawalPeriod.Status.OVER, seller_order_id=period.seller_order_id)
                closed += 1
    return len(new), closed


def withdrawal_preview(
    *,
    seller_order_id: int,
    customer: User,
    quantities: Mapping[int, int],
    seals: Mapping[int, bool] | None = None,
    now: datetime | None = None,
) -> tuple[list[ReturnLine], int, int]:
    """Check a withdrawal like ``withdrawal_declare`` without writing; return the lines, the
    items' price and the delivery refunded (the confirmation step shows them)."""
    try:
        part = SellerOrder.objects.select_related("seller").get(pk=seller_order_id, order__customer=customer)
    except SellerOrder.DoesNotExist:
        raise OrderNotFound(_("There is no such order in your account.")) from None
    state = withdrawal_state(seller_order=part, now=now or timezone.now())
    if not state.offered:
        raise WithdrawalNotOffered(_why_not(state.why))
    return _lines_and_amounts(part, quantities, seals or {}, withdrawal=True)
