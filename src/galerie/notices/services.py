"""Every write of notice and action: a notice received (art. 16 DSA), a decision with its
statement of reasons applied through the owning app's service (art. 17), a complaint lodged and
decided (art. 20). Each is one transaction that emits its event; the e-mails go from the outbox
(``handlers.py``), the buyers' information of art. 32 too.

The restrictions go through their apps' one door: offers are paused by ``offer_status_set``,
reviews hidden by ``review_hide``, sellers suspended by ``seller_suspend``, and a reversal gives
them back by the same doors.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.actors import System
from galerie.core.errors import DomainError, InvalidInput, PermissionDenied
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.notices.errors import (
    ComplaintAlreadyDecided,
    ComplaintNotAllowed,
    ComplaintSameReviewer,
    ComplaintTooLate,
    DecisionNotAllowed,
    DecisionNotFound,
    NoticeAlreadyDecided,
    NoticeNotFound,
)
from galerie.notices.models import ACTIONS_FOR, Action, Category, Complaint, Decision, Notice, TargetKind
from galerie.notices.rules import ANONYMOUS_CATEGORIES, complaint_deadline, notice_due_at
from galerie.notices.selectors import Target
from galerie.offers.models import Offer, OfferChange
from galerie.offers.services import offer_status_set
from galerie.reviews.services import review_hide, review_publish
from galerie.sellers.services.curation import seller_activate, seller_suspend
from galerie.storefronts.models import Storefront

MAX_TEXT = 5000
DSA = System("dsa_decision")  # pauses and gives back offers for a decision taken by a person
# The offers' history names why, in each reader's language; only Galerie or staff resume them.
REMOVED, RESTORED = OfferChange.Reason.DSA_REMOVED, OfferChange.Reason.DSA_RESTORED


def _text(
    errors: dict[str, list[str]], field: str, value: str, message: str, *, required: bool = True
) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = [message]
    elif len(value) > MAX_TEXT:
        errors[field] = [_("At most %(limit)d characters.") % {"limit": MAX_TEXT}]
    return value


def _staff(by: User) -> None:
    if not (by.pk is not None and by.is_active and by.is_staff):
        raise PermissionDenied(_("Only the operator's staff decide on notices."))


# --- art. 16: the notice ------------------------------------------------------------------------


@transaction.atomic
def notice_submit(
    *,
    storefront: Storefront,
    target: Target,
    category: str,
    explanation: str,
    url: str,
    notifier_name: str,
    notifier_email: str,
    good_faith: bool,
    language: str,
    now: datetime | None = None,
) -> Notice:
    """Record a notice of illegal content and its deadline; emit ``notice.received`` (the receipt).

    Raises InvalidInput naming each field at fault; nothing is saved then.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if category not in Category.values:
        errors["category"] = [_("Choose the kind of illegal content.")]
    explanation = _text(
        errors, "explanation", explanation, _("Explain why you consider this content illegal.")
    )
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
        if len(url) > 500:
            raise ValidationError("too long")
    except ValidationError:
        errors["url"] = [_("Give the exact address (URL) of the content, starting with https://.")]
    anonymous_allowed = category in ANONYMOUS_CATEGORIES
    notifier_name = (notifier_name or "").strip()[:150]
    notifier_email = (notifier_email or "").strip()
    if not anonymous_allowed and not notifier_name:
        errors["notifier_name"] = [_("Give your name (not needed for child sexual abuse material).")]
    if notifier_email:
        try:
            EmailValidator()(notifier_email)
        except ValidationError:
            errors["notifier_email"] = [_("Give a valid e-mail address, such as name@example.com.")]
    elif not anonymous_allowed:
        errors["notifier_email"] = [
            _("Give your e-mail address (not needed for child sexual abuse material).")
        ]
    if good_faith is not True:
        errors["good_faith"] = [_("Confirm that you make this notice in good faith.")]
    if errors:
        raise InvalidInput(errors)
    notice = Notice.objects.create(
        storefront=storefront,
        target_kind=target.kind,
        product=target.product,
        offer=target.offer,
        review=target.review,
        seller=target.seller,
        category=category,
        explanation=explanation,
        url=url,
        notifier_name=notifier_name,
        notifier_email=notifier_email,
        good_faith=True,
        language=language,
        received_at=now,
        due_at=notice_due_at(category=category, received_at=now),
    )
    emit("notice.received", notice_id=notice.pk, category=category)
    return notice


@transaction.atomic
def notices_overdue_alert(*, now: datetime | None = None, batch: int = 200) -> int:
    """Mark the open notices past their deadline and not alerted yet, and emit
    ``notice.overdue`` for each (the operator's e-mail); return how many."""
    now = now or timezone.now()
    due = Notice.objects.filter(status=Notice.Status.OPEN, due_at__lt=now, overdue_alerted_at__isnull=True)
    ids = list(due.order_by("due_at", "pk").values_list("pk", flat=True)[:batch])
    # The condition again in the UPDATE: a notice decided meanwhile is not alerted.
    Notice.objects.filter(pk__in=ids, status=Notice.Status.OPEN).update(overdue_alerted_at=now)
    for pk in ids:
        emit("notice.overdue", notice_id=pk)
    return len(ids)


# --- art. 17: the decision and its statement of reasons ----------------------------------------


def _restrict(
    notice: Notice, action: str, reason: str, ground: str, by: User
) -> list[tuple[int | None, list[int]]]:
    """Apply ``action`` through the owning app's service; return (seller id, offers paused) per
    party affected. ``ground``: the terms' or the law's, which a suspension names (P2B art. 4)."""
    if action == Action.OFFER_REMOVED:
        assert notice.offer is not None and notice.offer_id is not None
        if notice.offer.status != Offer.Status.ACTIVE:
            raise DecisionNotAllowed(
                _("This offer is not on sale any more: nothing to remove."), field="action"
            )
        offer_status_set(offer_id=notice.offer_id, status=Offer.Status.PAUSED, by=DSA, reason=REMOVED)
        return [(notice.offer.seller_id, [notice.offer_id])]
    if action == Action.PRODUCT_OFFERS_REMOVED:
        paused: dict[int, list[int]] = {}
        assert notice.product_id is not None
        offers = Offer.objects.filter(variant__product_id=notice.product_id, status=Offer.Status.ACTIVE)
        for offer_id, seller_id in offers.order_by("pk").values_list("pk", "seller_id"):
            offer_status_set(offer_id=offer_id, status=Offer.Status.PAUSED, by=DSA, reason=REMOVED)
            paused.setdefault(seller_id, []).append(offer_id)
        return list(paused.items()) or [(None, [])]
    if action == Action.REVIEW_HIDDEN:
        assert notice.review_id is not None
        review_hide(review_id=notice.review_id, by=by, reason=reason)
        return [(None, [])]
    if action == Action.SELLER_SUSPENDED:
        assert notice.seller_id is not None
        seller_suspend(seller_id=notice.seller_id, reason=reason, ground=ground, by=by)
        return [(notice.seller_id, [])]
    return [(notice.seller_id if notice.target_kind != TargetKind.REVIEW else None, [])]


@transaction.atomic
def notice_decide(
    *,
    notice_id: int,
    by: User,
    action: str,
    territorial_scope: str,
    duration: str,
    facts: str,
    legal_ground: str,
    terms_ground: str,
    explanation: str,
    now: datetime | None = None,
) -> list[Decision]:
    """Decide a notice: apply the restriction through its app's service and store the statement of
    reasons (one per party affected); emit ``notice.decided`` (the e-mails, art. 32's too).

    Raises PermissionDenied (not staff), NoticeNotFound, NoticeAlreadyDecided, InvalidInput,
    DecisionNotAllowed (a restriction that does not fit, or cannot be applied now).
    """
    _staff(by)
    now = now or timezone.now()
    try:
        # Only the notice's row: PostgreSQL locks no row of an outer join (offer, review: nullable).
        notice = lock_row(Notice.objects.all(), notice_id)
    except Notice.DoesNotExist:
        raise NoticeNotFound(_("There is no such notice.")) from None
    if notice.status != Notice.Status.OPEN:
        raise NoticeAlreadyDecided(_("This notice is decided already."))
    errors: dict[str, list[str]] = {}
    if action not in ACTIONS_FOR[notice.target_kind]:
        errors["action"] = [_("Choose a restriction that fits what was reported.")]
    restricting = action != Action.NO_ACTION
    territorial_scope = _text(
        errors,
        "territorial_scope",
        territorial_scope,
        _("Say where the restriction applies."),
        required=restricting,
    )[:200]
    duration = _text(
        errors, "duration", duration, _("Say how long the restriction lasts."), required=restricting
    )[:200]
    facts = _text(errors, "facts", facts, _("Give the facts and circumstances the decision rests on."))
    legal_ground = _text(errors, "legal_ground", legal_ground, "", required=False)
    terms_ground = _text(errors, "terms_ground", terms_ground, "", required=False)
    explanation = _text(
        errors, "explanation", explanation, _("Explain why the content is illegal or breaks the terms.")
    )
    if restricting and not (legal_ground or terms_ground):
        errors["legal_ground"] = [_("Give the legal ground, or the terms-and-conditions ground, or both.")]
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            parties = _restrict(notice, action, explanation, terms_ground or legal_ground, by)
    except DecisionNotAllowed:
        raise
    except DomainError as error:
        raise DecisionNotAllowed(error.message, field="action") from None
    author = notice.review.customer if (notice.review and action == Action.REVIEW_HIDDEN) else None
    decisions = [
        Decision.objects.create(
            notice=notice,
            action=action,
            territorial_scope=territorial_scope or _("None"),
            duration=duration or _("None"),
            facts=facts,
            automated=False,
            legal_ground=legal_ground,
            terms_ground=terms_ground,
            explanation=explanation,
            seller_id=seller_id,
            author=author,
            offer_ids=offer_ids,
            decided_by=by,
            decided_at=now,
        )
        for seller_id, offer_ids in parties
    ]
    notice.status, notice.decided_at = Notice.Status.DECIDED, now
    notice.save(update_fields=["status", "decided_at"])
    emit("notice.decided", notice_id=notice.pk, decision_ids=[d.pk for d in decisions], action=action)
    return decisions


# --- art. 20: the internal complaint -----------------------------------------------------------


@transaction.atomic
def complaint_lodge(
    *,
    decision_id: int,
    role: str,
    text: str,
    by_user: User | None = None,
    email: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Lodge a complaint against a decision, within six months of it; emit ``notice.complaint_lodged``.

    Raises ComplaintTooLate after six months, ComplaintNotAllowed while another is open,
    InvalidInput without a text. The caller has checked who may complain (a signed link, the
    seller's own area).
    """
    now = now or timezone.now()
    try:
        decision = lock_row(Decision.objects.all(), decision_id)
    except Decision.DoesNotExist:
        raise DecisionNotFound(_("There is no such decision.")) from None
    if role not in Complaint.Role.values:
        raise ComplaintNotAllowed(_("Only the party affected or the notifier may complain."))
    deadline = complaint_deadline(decided_at=decision.decided_at)
    if now > deadline:
        raise ComplaintTooLate(
            _(
                "A complaint may be lodged until %(date)s, six months after the decision: this one is "
                "too late. You may still turn to a certified out-of-court dispute settlement body or a court."
            )
            % {"date": timezone.localtime(deadline).strftime("%d/%m/%Y")},
            field="text",
        )
    errors: dict[str, list[str]] = {}
    text = _text(errors, "text", text, _("Say why the decision should change."))
    if errors:
        raise InvalidInput(errors)
    if decision.complaints.filter(status=Complaint.Status.OPEN).exists():
        raise ComplaintNotAllowed(
            _("A complaint against this decision is already being examined."), field="text"
        )
    if not email and by_user is not None:
        email = by_user.email
    if not email and role == Complaint.Role.NOTIFIER:
        email = decision.notice.notifier_email
    complaint = Complaint.objects.create(
        decision=decision, role=role, by_user=by_user, email=email, text=text, received_at=now
    )
    emit("notice.complaint_lodged", complaint_id=complaint.pk, decision_id=decision.pk)
    return complaint


def _undo(decision: Decision, by: User) -> None:
    """Give back what the decision restricted, through the owning apps' services."""
    if decision.action in (Action.OFFER_REMOVED, Action.PRODUCT_OFFERS_REMOVED):
        paused = Offer.objects.filter(pk__in=decision.offer_ids, status=Offer.Status.PAUSED)
        for offer_id in paused.order_by("pk").values_list("pk", flat=True):
            offer_status_set(offer_id=offer_id, status=Offer.Status.ACTIVE, by=DSA, reason=RESTORED)
    elif decision.action == Action.REVIEW_HIDDEN:
        assert decision.notice.review_id is not None
        review_publish(review_id=decision.notice.review_id, by=by)
    elif decision.action == Action.SELLER_SUSPENDED:
        assert decision.seller_id is not None
        seller_activate(seller_id=decision.seller_id, by=by)
    else:  # no action was taken: the notice goes back to the queue for a new decision
        Notice.objects.filter(pk=decision.notice_id).update(status=Notice.Status.OPEN)


@transaction.atomic
def complaint_decide(
    *, complaint_id: int, by: User, reverse: bool, reason: str, now: datetime | None = None
) -> Complaint:
    """Uphold or reverse the decision a complaint contests; a reversal undoes the restriction
    through the owning apps' services. Emit ``notice.complaint_decided``.

    Raises PermissionDenied, ComplaintAlreadyDecided, ComplaintSameReviewer (the member of staff
    who decided, while another can), InvalidInput without a reason.
    """
    _staff(by)
    now = now or timezone.now()
    complaint = lock_row(Complaint.objects.all(), complaint_id)
    if complaint.status != Complaint.Status.OPEN:
        raise ComplaintAlreadyDecided(_("This complaint is decided already."))
    decision = complaint.decision
    others = User.objects.filter(is_staff=True, is_active=True).exclude(pk=decision.decided_by_id)
    if by.pk == decision.decided_by_id and others.exists():
        raise ComplaintSameReviewer(
            _("Another member of staff than the one who took the decision must examine the complaint.")
        )
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, _("Give the reasons of the outcome: the complainant is told."))
    if errors:
        raise InvalidInput(errors)
    if reverse:
        try:
            with transaction.atomic():
                _undo(decision, by)
        except DomainError as error:
            raise DecisionNotAllowed(error.message) from None
    complaint.status = Complaint.Status.REVERSED if reverse else Complaint.Status.UPHELD
    complaint.outcome_reason, complaint.decided_by, complaint.decided_at = reason, by, now
    complaint.save(update_fields=["status", "outcome_reason", "decided_by", "decided_at"])
    emit("notice.complaint_decided", complaint_id=complaint.pk, decision_id=decision.pk, reversed=reverse)
    return complaint
