"""The operator's decisions on a seller: curation and admission to storefronts, requests for
information, approval and rejection, suspension and reactivation, closure and what blocks it.

Every decision locks the seller's row first; one that changes what shoppers see bumps the
cached listings of its storefronts after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core import surrogates
from galerie.core.actors import Actor, actor_user_id
from galerie.core.errors import InvalidInput, NotFound
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.sellers.closing import close_blockers, close_hooks_run
from galerie.sellers.errors import SellerApplicationDecided, SellerCloseBlocked
from galerie.sellers.models import Seller, SellerAdmission, SellerApplicationMessage, SellerTermination
from galerie.sellers.services.application import _lock

Status = Seller.Status
Exemption = SellerTermination.Exemption
# A statement of reasons names the specific facts and circumstances (P2B art. 4(5), DSA art. 17):
# a word or two ("Complaints") does not; the ground is the clause of the seller terms relied on.
STATEMENT_MIN_CHARS = 20
GROUND_MIN_CHARS = 3
SELLER_REQUEST_GROUND = "At the seller's own request"


def statement_of_reasons_check(*, reason: str, ground: str, what: str) -> tuple[str, str]:
    """Return the stripped (facts, ground) of a statement of reasons for the decision ``what``;
    raise InvalidInput naming the field when either is blank or too short (P2B art. 4(5))."""
    reason, ground = (reason or "").strip(), (ground or "").strip()
    errors: dict[str, list[str]] = {}
    if len(reason) < STATEMENT_MIN_CHARS:
        errors["reason"] = [
            _(
                "Give the statement of reasons for the %(what)s: the specific facts and circumstances, "
                "at least %(count)d characters (the seller is told; P2B art. 4)."
            )
            % {"what": what, "count": STATEMENT_MIN_CHARS}
        ]
    if len(ground) < GROUND_MIN_CHARS:
        errors["ground"] = [
            _("Name the ground in the seller terms the %(what)s relies on (for example “Terms §7.2”).")
            % {"what": what}
        ]
    if errors:
        raise InvalidInput(errors)
    return reason, ground


def _listings_stale(seller_id: int) -> None:
    """After the commit, make stale the cached listings (and their facet counts) of the
    storefronts this seller sells on (``listing:<id>``, core/surrogates.py)."""
    storefront_ids = SellerAdmission.objects.filter(seller_id=seller_id).values_list(
        "storefront_id", flat=True
    )
    surrogates.bump_on_commit(surrogates.key("listing", pk) for pk in storefront_ids)


def _move(seller_id: int, to: str, by: Actor | None, reason: str = "") -> tuple[Seller, bool]:
    """Move the seller to ``to``; return it and whether it moved (False: a retry, already there)."""
    seller = _lock(seller_id)
    if seller.status == to:
        return seller, False
    transition(seller, to=to, by=by, reason=reason, seller_id=seller.pk)
    return seller, True


def _lock_admission(seller_id: int, storefront_id: int) -> SellerAdmission:
    try:
        return SellerAdmission.objects.select_for_update().get(
            seller_id=seller_id, storefront_id=storefront_id
        )
    except SellerAdmission.DoesNotExist:
        raise NotFound(_("This seller has not applied to this storefront.")) from None


@transaction.atomic
def seller_curation_approve(*, seller_id: int, storefront_id: int, by: Actor | None = None) -> Seller:
    """Admit the seller to a storefront; an application in curation becomes approved, then active.

    Raise SellerApplicationDecided for a rejected or closed seller. A retry changes nothing."""
    seller = _lock(seller_id)
    if seller.status in (Status.REJECTED, Status.CLOSED):
        raise SellerApplicationDecided(
            _("This seller is %(status)s: it cannot be admitted to a storefront.")
            % {"status": seller.get_status_display().lower()}
        )
    admission = _lock_admission(seller_id, storefront_id)
    changed = admission.status != SellerAdmission.Status.ADMITTED
    seller_admission_decide(seller_id=seller_id, storefront_id=storefront_id, admit=True, by=by)
    reason = _("Admitted to %(storefront)s.") % {"storefront": admission.storefront.name}
    for step_from, step_to in (
        (Status.INFO_REQUESTED, Status.APPLIED),
        (Status.APPLIED, Status.APPROVED),
        (Status.APPROVED, Status.ACTIVE),
    ):
        if seller.status == step_from:
            transition(seller, to=step_to, by=by, reason=reason, seller_id=seller.pk)
            changed = True
    if changed:
        emit("seller.curation_approved", seller_id=seller.pk, storefront_id=storefront_id)
        _listings_stale(seller_id)
    return seller


@transaction.atomic
def seller_curation_refuse(
    *, seller_id: int, storefront_id: int, reason: str, ground: str = "", by: Actor | None = None
) -> SellerAdmission:
    """Refuse (or withdraw) the seller's admission to one storefront, with the reason it is told;
    a withdrawal needs the ground in the terms too (see :func:`seller_admission_decide`)."""
    _lock(seller_id)
    before = _lock_admission(seller_id, storefront_id).status
    admission = seller_admission_decide(
        seller_id=seller_id,
        storefront_id=storefront_id,
        admit=False,
        reason=reason.strip(),
        ground=ground,
        by=by,
    )
    if before != SellerAdmission.Status.REFUSED:
        emit(
            "seller.storefront_refused",
            seller_id=seller_id,
            storefront_id=storefront_id,
            reason=admission.reason,
        )
        _listings_stale(seller_id)
    return admission


@transaction.atomic
def seller_info_request(*, seller_id: int, message: str, by: Actor | None = None) -> SellerApplicationMessage:
    """Ask the applicant for more information (the message is kept in the conversation and e-mailed);
    the application waits for the answer in ``info_requested``."""
    message = (message or "").strip()
    if not message:
        raise InvalidInput({"message": [_("Write what the applicant must send or explain.")]})
    seller = _lock(seller_id)
    if seller.status != Status.INFO_REQUESTED:
        if seller.status != Status.APPLIED:
            raise SellerApplicationDecided(
                _("This seller is %(status)s: there is no application to ask about.")
                % {"status": seller.get_status_display().lower()}
            )
        transition(seller, to=Status.INFO_REQUESTED, by=by, reason=message, seller_id=seller.pk)
    question = SellerApplicationMessage.objects.create(
        seller=seller, author_id=actor_user_id(by), from_operator=True, body=message
    )
    emit("seller.info_requested", seller_id=seller.pk, message_id=question.pk)
    return question


@transaction.atomic
def seller_approve(*, seller_id: int, by: Actor | None = None) -> Seller:
    """Approve an application (the seller may then be activated)."""
    return _move(seller_id, Status.APPROVED, by)[0]


@transaction.atomic
def seller_reject(*, seller_id: int, reason: str, by: Actor | None = None) -> Seller:
    """Reject an application, with the reason the applicant is told; its pending admissions are refused."""
    if not reason.strip():
        raise InvalidInput({"reason": [_("Give the reason for the rejection: the applicant is told.")]})
    seller, moved = _move(seller_id, Status.REJECTED, by, reason)
    if moved:
        SellerAdmission.objects.filter(seller_id=seller.pk, status=SellerAdmission.Status.PENDING).update(
            status=SellerAdmission.Status.REFUSED,
            reason=reason,
            decided_at=timezone.now(),
            decided_by=by if getattr(by, "pk", None) else None,
        )
        emit("seller.rejected", seller_id=seller.pk, reason=reason)
    return seller


@transaction.atomic
def seller_activate(*, seller_id: int, by: Actor | None = None) -> Seller:
    """Let an approved or suspended seller sell again."""
    seller, _moved = _move(seller_id, Status.ACTIVE, by)
    _listings_stale(seller_id)
    return seller


@transaction.atomic
def seller_suspend(*, seller_id: int, reason: str, ground: str = "", by: Actor | None = None) -> Seller:
    """Suspend an active seller: its offers leave every storefront at once; the seller is told why
    (a statement of reasons: facts and the ground in the terms, P2B art. 4 and DSA art. 17). Its
    open orders stay in its seller area to be handled. Raise InvalidInput, changing nothing, on a
    blank or too short statement."""
    reason, ground = statement_of_reasons_check(reason=reason, ground=ground, what=_("suspension"))
    seller, moved = _move(seller_id, Status.SUSPENDED, by, f"{reason} [{ground}]")
    if moved:
        emit("seller.suspended", seller_id=seller.pk, reason=reason, ground=ground)
        _listings_stale(seller_id)
    return seller


def _close_blocked(seller_id: int) -> SellerCloseBlocked | None:
    blockers = close_blockers(seller_id=seller_id)
    parts = [part for blocker in blockers for part in blocker.parts]
    if not parts:
        return None
    details: dict[str, Any] = {}
    for blocker in blockers:
        details.update(blocker.details)
    listed = (
        parts[0]
        if len(parts) == 1
        else _("%(list)s and %(last)s")
        % {
            "list": ", ".join(parts[:-1]),
            "last": parts[-1],
        }
    )
    return SellerCloseBlocked(
        _("Cannot close: %(what)s.") % {"what": listed},
        open_orders=details.get("open_orders", []),
        balances=details.get("balances", {}),
    )


def _close_now(seller: Seller, *, reason: str, by: Actor | None) -> None:
    blocked = _close_blocked(seller.pk)
    if blocked is not None:
        raise blocked
    transition(seller, to=Status.CLOSED, by=by, reason=reason, seller_id=seller.pk)
    close_hooks_run(seller_id=seller.pk, by=by)
    emit("seller.closed", seller_id=seller.pk, reason=reason)
    _listings_stale(seller.pk)


@transaction.atomic
def seller_close(
    *,
    seller_id: int,
    reason: str,
    ground: str = "",
    exception: str = "",
    exception_reason: str = "",
    by: Actor | None = None,
    now: datetime | None = None,
) -> Seller:
    """Terminate the seller's use of the marketplace, with a statement of reasons (P2B art. 4).

    Without ``exception`` this is a notice: the seller is told the facts, the ground and the date,
    and the closing takes effect ``SellerTermination.NOTICE_DAYS`` (30) days later, applied by
    :func:`seller_terminations_apply` (art. 4(1)). With an art. 4(4) exception (a legal
    obligation, repeated infringement; its reason required) or at the seller's own request it
    closes now, and what closes with it (its offers); raise SellerCloseBlocked, naming what is
    left, while it has open orders or money on its ledger accounts (the guards and hooks the
    owning apps register: :mod:`galerie.sellers.closing`). Bad input raises InvalidInput and
    changes nothing. A retry changes nothing."""
    if exception == Exemption.SELLER_REQUEST and not (ground or "").strip():
        ground = SELLER_REQUEST_GROUND
    reason, ground = statement_of_reasons_check(reason=reason, ground=ground, what=_("termination"))
    if exception not in Exemption.values:
        raise InvalidInput({"exception": [_("Choose one of the listed exceptions, or none.")]})
    exception_reason = (exception_reason or "").strip()
    if (
        exception in (Exemption.LEGAL_OBLIGATION, Exemption.REPEATED_INFRINGEMENT)
        and len(exception_reason) < STATEMENT_MIN_CHARS
    ):
        raise InvalidInput(
            {
                "exception_reason": [
                    _(
                        "Explain why the 30 days' notice does not apply (the obligation or the repeated "
                        "infringements), at least %(count)d characters."
                    )
                    % {"count": STATEMENT_MIN_CHARS}
                ]
            }
        )
    now = now or timezone.now()
    seller = _lock(seller_id)
    if seller.status == Status.CLOSED:
        return seller  # a retried request: already done
    scheduled = SellerTermination.objects.filter(
        seller=seller, status=SellerTermination.Status.SCHEDULED
    ).first()
    if not exception:
        if scheduled is not None:
            return seller  # notice already given: its date stands
        termination = SellerTermination.objects.create(
            seller=seller,
            reason=reason,
            ground=ground,
            notified_at=now,
            effective_at=now + timedelta(days=SellerTermination.NOTICE_DAYS),
            by_id=actor_user_id(by),
        )
        emit("seller.termination_notified", seller_id=seller.pk, termination_id=termination.pk)
        return seller
    _close_now(seller, reason=f"{reason} [{ground}]", by=by)
    if scheduled is not None:
        scheduled.status, scheduled.closed_at = SellerTermination.Status.DONE, now
        scheduled.save(update_fields=["status", "closed_at"])
    SellerTermination.objects.create(
        seller=seller,
        reason=reason,
        ground=ground,
        exception=exception,
        exception_reason=exception_reason,
        notified_at=now,
        effective_at=now,
        status=SellerTermination.Status.DONE,
        closed_at=now,
        by_id=actor_user_id(by),
    )
    return seller


def seller_terminations_apply(*, now: datetime | None = None) -> int:
    """Close the sellers whose notice of termination has run out (P2B art. 4(1)); return how many
    closed. One transaction per seller; a seller still blocked (open orders, money on its
    accounts) stays scheduled and is tried again at the next run."""
    now = now or timezone.now()
    due = SellerTermination.objects.filter(
        status=SellerTermination.Status.SCHEDULED, effective_at__lte=now
    ).values_list("pk", flat=True)[:200]
    closed = 0
    for termination_id in due:
        with transaction.atomic():
            termination = SellerTermination.objects.select_for_update().get(pk=termination_id)
            if termination.status != SellerTermination.Status.SCHEDULED:
                continue
            seller = _lock(termination.seller_id)
            if seller.status != Status.CLOSED:
                if _close_blocked(seller.pk) is not None:
                    continue
                _close_now(seller, reason=f"{termination.reason} [{termination.ground}]", by=None)
                closed += 1
            termination.status, termination.closed_at = SellerTermination.Status.DONE, now
            termination.save(update_fields=["status", "closed_at"])
    return closed


@transaction.atomic
def seller_admission_decide(
    *,
    seller_id: int,
    storefront_id: int,
    admit: bool,
    reason: str = "",
    ground: str = "",
    by: Actor | None = None,
) -> SellerAdmission:
    """Admit a seller to a storefront or refuse it (with a reason). Withdrawing an admitted seller
    restricts where its offers are shown: it needs a full statement of reasons, facts and ground in
    the terms (P2B art. 4(1) and (5)); raise InvalidInput, changing nothing, without one."""
    admission = _lock_admission(seller_id, storefront_id)
    status = SellerAdmission.Status.ADMITTED if admit else SellerAdmission.Status.REFUSED
    if not admit and not reason.strip():
        raise InvalidInput({"reason": [_("Give the reason for the refusal: the seller is told.")]})
    if admission.status == status:
        return admission
    if not admit and admission.status == SellerAdmission.Status.ADMITTED:
        facts, ground = statement_of_reasons_check(reason=reason, ground=ground, what=_("withdrawal"))
        reason = f"{facts} [{ground}]"
    admission.status, admission.reason = status, reason
    admission.decided_at, admission.decided_by_id = timezone.now(), actor_user_id(by)
    admission.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    emit("seller.admission_decided", seller_id=seller_id, storefront_id=storefront_id, status=status)
    _listings_stale(seller_id)
    return admission
