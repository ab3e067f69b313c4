"""The writes of the seller terms (P2B art. 3) and of sellers' complaints (art. 11).

Every write is one transaction; e-mails go out from the outbox (``handlers.py``). Time rules
take one ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.actors import Actor, actor_user_id
from galerie.core.errors import InvalidInput
from galerie.core.outbox import emit
from galerie.sellers.models import Seller, SellerTermination
from galerie.sellers.services import seller_application_submit, seller_close
from galerie.terms.errors import ComplaintAnswered, ComplaintNotFound, TermsNotPending
from galerie.terms.models import SellerComplaint, SellerTermsAcceptance, SellerTermsVersion
from galerie.terms.selectors import terms_current, terms_pending_for_seller

Exemption = SellerTermsVersion.Exemption
EXCEPTION_REASON_MIN_CHARS = 20
COMPLAINT_MIN_CHARS = 20


@transaction.atomic
def terms_version_publish(
    *,
    title: str,
    text: str,
    effective_at: datetime,
    summary: str = "",
    exception: str = "",
    exception_reason: str = "",
    by: Actor | None = None,
    now: datetime | None = None,
) -> SellerTermsVersion:
    """Publish a new version of the seller terms; every active seller is e-mailed it.

    Refuse (InvalidInput, nothing saved) an effective date earlier than ``NOTICE_DAYS`` (15) days
    from ``now`` (P2B art. 3(2)) unless a flagged exception of art. 3(4) — a change imposed by law
    or countering an imminent danger — with its reason."""
    now = now or timezone.now()
    title, text, summary = (title or "").strip(), (text or "").strip(), (summary or "").strip()
    exception_reason = (exception_reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the terms a title.")]
    if not text:
        errors["text"] = [_("Write the text of the terms.")]
    if exception not in Exemption.values:
        errors["exception"] = [_("Choose one of the listed exceptions, or none.")]
    elif exception and len(exception_reason) < EXCEPTION_REASON_MIN_CHARS:
        errors["exception_reason"] = [
            _("Explain why the 15 days' notice does not apply, at least %(count)d characters.")
            % {"count": EXCEPTION_REASON_MIN_CHARS}
        ]
    earliest = now + timedelta(days=SellerTermsVersion.NOTICE_DAYS)
    if not exception and effective_at < earliest:
        errors["effective_at"] = [
            _(
                "The terms can take effect on %(earliest)s at the earliest: sellers must be told "
                "%(days)d days before (P2B art. 3(2)), unless the change is imposed by law or counters "
                "a security threat."
            )
            % {"earliest": earliest.strftime("%Y-%m-%d %H:%M"), "days": SellerTermsVersion.NOTICE_DAYS}
        ]
    elif effective_at < now - timedelta(minutes=1):
        errors["effective_at"] = [_("The terms cannot take effect in the past.")]
    if errors:
        raise InvalidInput(errors)
    last = SellerTermsVersion.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0
    version = SellerTermsVersion.objects.create(
        number=last + 1,
        title=title,
        text=text,
        summary=summary,
        effective_at=effective_at,
        published_at=now,
        published_by_id=actor_user_id(by),
        exception=exception,
        exception_reason=exception_reason,
    )
    emit("terms.version_published", version_id=version.pk)
    return version


def _accept(seller_id: int, version: SellerTermsVersion, how: str, by: Actor | None, now: datetime) -> bool:
    _, created = SellerTermsAcceptance.objects.get_or_create(
        seller_id=seller_id,
        version=version,
        defaults={"how": how, "accepted_at": now, "accepted_by_id": actor_user_id(by)},
    )
    return created


@transaction.atomic
def terms_accept(
    *, seller: Seller, version_id: int, by: Actor, now: datetime | None = None
) -> SellerTermsAcceptance:
    """Record that the seller (``by``, one of its members) accepts the terms version ``version_id``;
    raise TermsNotPending unless it is the current version or one announced. A retry changes nothing."""
    now = now or timezone.now()
    done = SellerTermsAcceptance.objects.filter(seller=seller, version_id=version_id).first()
    if done is not None:
        return done  # a retried request: already accepted
    version = next((v for v in terms_pending_for_seller(seller=seller, now=now) if v.pk == version_id), None)
    if version is None:
        raise TermsNotPending(_("These terms are not waiting for your acceptance."), field="version")
    _accept(seller.pk, version, SellerTermsAcceptance.How.SELLER_AREA, by, now)
    return SellerTermsAcceptance.objects.get(seller=seller, version=version)


@transaction.atomic
def terms_refuse(
    *, seller: Seller, version_id: int, reason: str, by: Actor, now: datetime | None = None
) -> Seller:
    """End the seller's use of the marketplace rather than accept new terms (P2B art. 3(2)): the
    shop closes now, at its own request (raise SellerCloseBlocked while it has open orders or
    money on its accounts)."""
    now = now or timezone.now()
    version = next((v for v in terms_pending_for_seller(seller=seller, now=now) if v.pk == version_id), None)
    if version is None:
        raise TermsNotPending(_("These terms are not waiting for your acceptance."), field="version")
    text = _("The seller does not accept version %(number)d of the terms.") % {"number": version.number}
    if (reason or "").strip():
        text = f"{text} {reason.strip()}"
    return seller_close(
        seller_id=seller.pk,
        reason=text,
        exception=SellerTermination.Exemption.SELLER_REQUEST,
        by=by,
        now=now,
    )


def terms_deemed_accept(*, now: datetime | None = None) -> int:
    """Record, for every active or suspended seller that neither accepted the current terms nor
    left, that it accepts them by going on selling after their date (the policy Galerie applies:
    docs/compliance.md, P2B art. 3); return how many were recorded."""
    now = now or timezone.now()
    current = terms_current(now=now)
    if current is None:
        return 0
    sellers = (
        Seller.objects.filter(status__in=[Seller.Status.ACTIVE, Seller.Status.SUSPENDED])
        .exclude(terms_acceptances__version=current)
        .values_list("pk", flat=True)
    )
    recorded = 0
    for seller_id in sellers:
        with transaction.atomic():
            recorded += _accept(
                seller_id, current, SellerTermsAcceptance.How.DEEMED, None, current.effective_at
            )
    return recorded


@transaction.atomic
def seller_application_submit_with_terms(
    *, now: datetime | None = None, **application: Any
) -> tuple[Seller, User]:
    """Apply to sell (:func:`galerie.sellers.services.seller_application_submit`) and record, in the
    same transaction, the applicant's acceptance of the current seller terms (if any are published)."""
    seller, user = seller_application_submit(**application)
    current = terms_current(now=now or timezone.now())
    if current is not None:
        _accept(seller.pk, current, SellerTermsAcceptance.How.APPLICATION, user, now or timezone.now())
    return seller, user


@transaction.atomic
def complaint_file(
    *, seller: Seller, kind: str, subject: str, text: str, by: Actor, now: datetime | None = None
) -> SellerComplaint:
    """File a seller's complaint (P2B art. 11) or its answer to a decision (art. 4(3)); raise
    InvalidInput naming each bad field, saving nothing."""
    subject, text = (subject or "").strip(), (text or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in SellerComplaint.Kind.values:
        errors["kind"] = [_("Choose what the complaint is about.")]
    if not subject:
        errors["subject"] = [_("Give the complaint a subject.")]
    elif len(subject) > 200:
        errors["subject"] = [_("Keep the subject under 200 characters.")]
    if len(text) < COMPLAINT_MIN_CHARS:
        errors["text"] = [
            _("Describe the problem in at least %(count)d characters.") % {"count": COMPLAINT_MIN_CHARS}
        ]
    if errors:
        raise InvalidInput(errors)
    complaint = SellerComplaint.objects.create(
        seller=seller,
        kind=kind,
        subject=subject,
        text=text,
        filed_by_id=actor_user_id(by),
        created_at=now or timezone.now(),
    )
    emit("complaint.filed", complaint_id=complaint.pk, seller_id=seller.pk)
    return complaint


@transaction.atomic
def complaint_answer(
    *, complaint_id: int, answer: str, outcome: str, by: Actor, now: datetime | None = None
) -> SellerComplaint:
    """Answer a complaint with its outcome; the seller is e-mailed the answer. Raise
    ComplaintAnswered if it has its answer already, InvalidInput on a blank answer."""
    answer = (answer or "").strip()
    errors: dict[str, list[str]] = {}
    if len(answer) < COMPLAINT_MIN_CHARS:
        errors["answer"] = [
            _("Write the answer the seller is sent, at least %(count)d characters.")
            % {"count": COMPLAINT_MIN_CHARS}
        ]
    if outcome not in SellerComplaint.Outcome.values:
        errors["outcome"] = [_("Choose the outcome of the complaint.")]
    if errors:
        raise InvalidInput(errors)
    complaint = SellerComplaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise ComplaintNotFound(_("There is no such complaint."))
    if complaint.status == SellerComplaint.Status.ANSWERED:
        raise ComplaintAnswered(_("This complaint is answered already."))
    complaint.status = SellerComplaint.Status.ANSWERED
    complaint.answer, complaint.outcome = answer, outcome
    complaint.answered_at, complaint.answered_by_id = now or timezone.now(), actor_user_id(by)
    complaint.save(update_fields=["status", "answer", "outcome", "answered_at", "answered_by"])
    emit("complaint.answered", complaint_id=complaint.pk, seller_id=complaint.seller_id)
    return complaint
