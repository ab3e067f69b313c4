"""Every write on incidents: open, answer, accept, escalate (by the customer or the deadline),
decide, and the refunds they agree (docs/incidents.md).

Each step is one transaction that checks, moves the status through ``core.statemachine`` (history
row and ``incident.status_changed`` event), stamps its time and emits ``incident.<step>`` for the
e-mails. A refund agreed is reserved on the seller order inside the step's transaction (so two
refunds never take the same cents: the seller order's row is locked and ``refunded_minor`` may not
pass its total) and asked of the gateway after commit, with a key of its own; a refund the
gateway cannot make yet is asked again by the job ``incidents.refunds_due``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.actors import Actor, System
from galerie.core.errors import DomainError, InvalidInput, InvalidTransition
from galerie.core.images import ImageRefused, image_clean
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.incidents.errors import IncidentNotAllowed, IncidentNotFound, IncidentRefundTooLarge
from galerie.incidents.models import Incident, IncidentPhoto
from galerie.incidents.rules import incident_refusal
from galerie.ledger.models import AccountKind
from galerie.ledger.selectors import owed_by_kind
from galerie.orders.models import SellerOrder
from galerie.payments.services.refunds import payment_refund
from galerie.sellers.access import Perm, seller_access_for

Status = Incident.Status
Proposal = Incident.Proposal
Decision = Incident.Decision

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_TEXT = 4000
REFUND_PROPOSALS = (Proposal.REFUND_FULL, Proposal.REFUND_PARTIAL)


def _text(value: str, field: str, *, required: bool, message: str) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > MAX_TEXT:
        raise InvalidInput({field: [message]})
    return value


def _locked(incident_id: int) -> Incident:
    try:
        return lock_row(Incident.objects.all(), incident_id)
    except Incident.DoesNotExist:
        raise IncidentNotFound(_("There is no such incident.")) from None


def _left_minor(seller_order: SellerOrder) -> int:
    """What an incident may still refund of the seller order: its total, less what was refunded
    or reserved, less what its clearing holds — a customer's withdrawal not refunded yet holds its
    value there until its return is refunded or refused (returns/holds.py), and that value is the
    return's to refund, not the incident's."""
    held = owed_by_kind(payment_id=seller_order.order.payment_id, seller_order_id=seller_order.pk).get(
        AccountKind.CUSTOMER_CLEARING, 0
    )
    return seller_order.total_minor - seller_order.refunded_minor - max(held, 0)


def _reserve_refund(incident: Incident, amount_minor: int, *, operator_paid: bool) -> None:
    """Reserve ``amount_minor`` of the seller order for this incident's refund (seller order locked).

    Raise IncidentRefundTooLarge (nothing written) beyond what is left of the seller order.
    """
    seller_order = lock_row(SellerOrder.objects.all(), incident.seller_order_id)
    left = _left_minor(seller_order)
    if amount_minor <= 0 or amount_minor > left:
        currency = seller_order.order.currency
        raise IncidentRefundTooLarge(
            _("The refund must be more than zero and at most %(left)s, what is left of this seller order.")
            % {"left": Money(left, currency)},
            field="amount",
        )
    # The seller order's refunded amount is the ceiling every refund of it respects (orders,
    # returns, incidents); the CHECK constraint on it backs this up.
    SellerOrder.objects.filter(pk=seller_order.pk).update(
        refunded_minor=F("refunded_minor") + amount_minor, updated_at=timezone.now()
    )
    prefix = "operator-paid-" if operator_paid else ""
    incident.refund_minor = amount_minor
    incident.refund_key = f"{prefix}seller-order-{seller_order.uuid.hex}-incident-{incident.pk}"


@transaction.atomic
def _incident_create(
    *, seller_order_id: int, customer: User, kind: str, description: str, now: datetime
) -> Incident:
    seller_order = (
        SellerOrder.objects.select_related("order", "order__storefront")
        .filter(pk=seller_order_id, order__customer=customer)
        .first()
    )
    if seller_order is None:
        raise IncidentNotFound(_("There is no such order in your account."))
    seller_order = lock_row(SellerOrder.objects.select_related("order__storefront"), seller_order.pk)
    if kind not in Incident.Kind.values:
        raise InvalidInput({"kind": [_("Choose what went wrong.")]})
    if refusal := incident_refusal(seller_order=seller_order, kind=kind, now=now):
        raise IncidentNotAllowed(refusal, field="kind")
    if Incident.objects.filter(seller_order=seller_order, status__in=Incident.UNSETTLED).exists():
        raise IncidentNotAllowed(
            _("An incident on this parcel is already under way: follow it below."), field="kind"
        )
    storefront = seller_order.order.storefront
    incident = Incident.objects.create(
        seller_order=seller_order,
        seller_id=seller_order.seller_id,
        storefront=storefront,
        customer=customer,
        kind=kind,
        description=description,
        opened_at=now,
        answer_due_at=now + timedelta(hours=storefront.incident_answer_hours),
    )
    emit("incident.opened", incident_id=incident.pk, seller_order_id=seller_order.pk)
    return incident


def incident_open(
    *,
    seller_order_id: int,
    customer: User,
    kind: str,
    description: str,
    photos: Sequence[Any] = (),
    now: datetime | None = None,
) -> Incident:
    """Open an incident on one of the customer's seller orders, with up to MAX_PHOTOS pictures.

    Raise IncidentNotFound for another customer's order, IncidentNotAllowed when the kind is not
    open yet (docs/incidents.md) or an incident on it is under way, InvalidInput on a missing
    description or a file that is not a picture (checked by its content, before anything is written).
    """
    now = now or timezone.now()
    description = _text(
        description,
        "description",
        required=True,
        message=_("Describe the problem (at most 4,000 characters)."),
    )
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput({"photos": [_("Join at most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(image_clean(upload, max_bytes=MAX_PHOTO_BYTES, max_side=2400))
        except ImageRefused as error:
            raise InvalidInput({"photos": [str(error)]}) from None
    incident = _incident_create(
        seller_order_id=seller_order_id, customer=customer, kind=kind, description=description, now=now
    )
    # Written after the incident (the path names it); a failure leaves an incident without its
    # pictures, never pictures without an incident.
    for image in cleaned:
        photo = IncidentPhoto(
            incident=incident,
            content_type=f"image/{image.format.lower()}",
            width=image.width,
            height=image.height,
        )
        photo.file.save(image.file.name, image.file, save=False)
        photo.save()
    return incident


@transaction.atomic
def incident_answer(
    *,
    incident_id: int,
    acting_user: User,
    proposal: str,
    answer: str,
    amount_minor: int = 0,
    now: datetime | None = None,
) -> Incident:
    """Record the seller's answer to an open incident: a refund (full or partial), a replacement,
    a return first, or a rejection with its reason. The user must handle orders for the seller."""
    now = now or timezone.now()
    incident = _locked(incident_id)
    access = seller_access_for(acting_user, seller_id=incident.seller_id)
    if access.seller.pk != incident.seller_id:  # the user's first seller, not this one
        raise IncidentNotFound(_("There is no such incident."))
    access.require(Perm.FULFIL_ORDERS)
    if incident.status == Status.ANSWERED and incident.proposal == proposal:
        return incident  # a retried request
    if proposal not in Proposal.values:
        raise InvalidInput({"proposal": [_("Choose what you offer the customer.")]})
    answer = _text(
        answer,
        "answer",
        required=proposal in (Proposal.REJECTED, Proposal.REFUND_PARTIAL, Proposal.RETURN_NEEDED),
        message=_("Explain your answer to the customer (at most 4,000 characters)."),
    )
    seller_order = SellerOrder.objects.select_related("order").get(pk=incident.seller_order_id)
    left = _left_minor(seller_order)
    if proposal == Proposal.REFUND_FULL:
        amount_minor = left
    elif proposal == Proposal.REFUND_PARTIAL:
        if not 0 < amount_minor < left:
            raise InvalidInput(
                {"amount": [_("A partial refund is more than zero and less than %(left)s.") % {
                    "left": Money(left, seller_order.order.currency)
                }]}
            )  # fmt: skip
    else:
        amount_minor = 0
    incident.proposal, incident.proposal_amount_minor, incident.answer = proposal, amount_minor, answer
    incident.answered_at = now
    transition(
        incident,
        to=Status.ANSWERED,
        by=acting_user,
        reason=proposal,
        extra_fields=("proposal", "proposal_amount_minor", "answer", "answered_at"),
    )
    emit("incident.answered", incident_id=incident.pk)
    return incident


def _customer_incident(incident_id: int, customer: User) -> Incident:
    incident = _locked(incident_id)
    if incident.customer_id != customer.pk:
        raise IncidentNotFound(_("There is no such incident."))
    return incident


def incident_accept(*, incident_id: int, customer: User, now: datetime | None = None) -> Incident:
    """The customer accepts the seller's answer: the incident is resolved, and a refund proposed
    is made, taken from the seller's part (key ``seller-order-<hex>-incident-<id>``)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _customer_incident(incident_id, customer)
        if incident.status == Status.RESOLVED:
            return incident
        if incident.status == Status.ANSWERED and incident.proposal in REFUND_PROPOSALS:
            _reserve_refund(incident, incident.proposal_amount_minor, operator_paid=False)
        incident.resolved_at = now
        transition(
            incident,
            to=Status.RESOLVED,
            by=customer,
            extra_fields=("resolved_at", "refund_minor", "refund_key"),
        )
        emit("incident.resolved", incident_id=incident.pk)
    incident_refund_due(incident_id=incident.pk)
    incident.refresh_from_db()
    return incident


def _escalate(incident: Incident, *, by: Actor, escalated_by: str, note: str, now: datetime) -> None:
    incident.escalated_at, incident.escalated_by, incident.escalation_note = now, escalated_by, note
    transition(
        incident,
        to=Status.ESCALATED,
        by=by,
        reason=escalated_by,
        extra_fields=("escalated_at", "escalated_by", "escalation_note"),
    )
    emit("incident.escalated", incident_id=incident.pk, escalated_by=escalated_by)


@transaction.atomic
def incident_escalate(
    *, incident_id: int, customer: User, note: str = "", now: datetime | None = None
) -> Incident:
    """The customer asks the marketplace to decide: after the seller's answer, or once the
    seller's deadline has passed without one. Raise InvalidTransition otherwise."""
    now = now or timezone.now()
    incident = _customer_incident(incident_id, customer)
    if incident.status == Status.ESCALATED:
        return incident
    if incident.status == Status.OPEN and now < incident.answer_due_at:
        raise IncidentNotAllowed(
            _("The seller has until %(date)s to answer; you can ask the marketplace after that.")
            % {"date": formats.date_format(timezone.localtime(incident.answer_due_at), "DATETIME_FORMAT")},
            field="status",
        )
    note = _text(note, "note", required=False, message=_("At most 4,000 characters."))
    _escalate(incident, by=customer, escalated_by=Incident.EscalatedBy.CUSTOMER, note=note, now=now)
    return incident


def incidents_escalate_overdue(*, now: datetime | None = None, batch: int = 500) -> int:
    """Escalate every open incident whose seller let its answer deadline pass; return how many.

    Locks each incident; safe to run twice or concurrently (a seller answering at the same moment
    wins or loses the lock, never both)."""
    now = now or timezone.now()
    due = Incident.objects.filter(status=Status.OPEN, answer_due_at__lte=now).order_by("answer_due_at", "pk")
    done = 0
    for pk in list(due.values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            incident = lock_row(Incident.objects.all(), pk)
            if incident.status != Status.OPEN:
                continue
            by = System("job:incident_deadline")
            _escalate(incident, by=by, escalated_by=Incident.EscalatedBy.DEADLINE, note="", now=now)
        done += 1
    return done


def incident_decide(
    *,
    incident_id: int,
    operator: User,
    decision: str,
    reason: str,
    amount_minor: int = 0,
    now: datetime | None = None,
) -> Incident:
    """The operator decides an escalated incident: a refund of ``amount_minor`` (at most what is
    left of the seller order) taken from the seller's part, or paid by the operator and charged to
    the seller (docs/ledger.md), or a rejection; ``reason`` is told to both parties."""
    now = now or timezone.now()
    if not (operator.is_active and operator.is_staff):
        raise IncidentNotFound(_("There is no such incident."))
    with transaction.atomic():
        incident = _locked(incident_id)
        if incident.status in (Status.DECIDED, Status.CLOSED) and incident.decision == decision:
            return incident  # a retried request
        if decision not in Decision.values:
            raise InvalidInput({"decision": [_("Choose a decision.")]})
        reason = _text(
            reason,
            "reason",
            required=decision == Decision.REJECTED,
            message=_("Give the reason both parties will read (at most 4,000 characters)."),
        )
        if incident.status != Status.ESCALATED:
            raise InvalidTransition(
                _("Only an incident escalated to the marketplace can be decided; this one is “%(status)s”.")
                % {"status": incident.get_status_display()},
                field="status",
            )
        if decision != Decision.REJECTED:
            _reserve_refund(incident, amount_minor, operator_paid=decision == Decision.REFUND_OPERATOR)
        incident.decision, incident.decision_reason, incident.decided_at = decision, reason, now
        transition(
            incident,
            to=Status.DECIDED,
            by=operator,
            reason=decision,
            extra_fields=("decision", "decision_reason", "decided_at", "refund_minor", "refund_key"),
        )
        emit("incident.decided", incident_id=incident.pk)
        if decision == Decision.REJECTED:
            _close(incident, now=now, by=operator)
    incident_refund_due(incident_id=incident.pk, now=now)
    incident.refresh_from_db()
    return incident


def _close(incident: Incident, *, now: datetime, by: Actor) -> None:
    incident.closed_at = now
    transition(incident, to=Status.CLOSED, by=by, extra_fields=("closed_at", "refund"))


def incident_refund_due(*, incident_id: int, now: datetime | None = None) -> bool:
    """Ask the gateway for the incident's agreed refund if not asked yet; close a decided incident
    once asked. Return whether the refund exists now. Runs outside any transaction (the gateway
    is called); idempotent: the refund's key is the incident's."""
    incident = Incident.objects.select_related("seller_order__order").get(pk=incident_id)
    if not incident.refund_key or incident.refund_id is not None:
        return incident.refund_id is not None
    order = incident.seller_order.order
    try:
        refund = payment_refund(
            payment_id=order.payment_id,
            amount=Money(incident.refund_minor, order.currency),
            idempotency_key=incident.refund_key,
            reason=f"incident {incident.pk} of {incident.seller_order.number}",
        )
    except DomainError:
        return False  # not refundable yet: the job asks again
    with transaction.atomic():
        locked = lock_row(Incident.objects.all(), incident.pk)
        if locked.refund_id is None:
            locked.refund = refund
            if locked.status == Status.DECIDED:
                _close(locked, now=now or timezone.now(), by=System("incident refund"))
            else:
                locked.save(update_fields=["refund"])
    return True
