"""The e-mails of notice and action, one template family (``dsa_notice``) with a ``step``:

- ``receipt``: the notifier's confirmation of receipt (art. 16(4) DSA);
- ``statement``: the statement of reasons to the party restricted (art. 17);
- ``outcome``: the decision told to the notifier (art. 16(5));
- ``buyer``: an illegal product told to its recent buyers (art. 32);
- ``complaint``: the outcome of an internal complaint (art. 20(4)).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from galerie.accounts.models import User
from galerie.notices.models import Complaint, Decision, Notice
from galerie.notices.rules import complaint_deadline
from galerie.notices.selectors import decision_token
from galerie.notifications.emails import URLCONF, Email, email_render, site_url
from galerie.notifications.selectors import seller_order_recipients


def notice_for_email(*, notice_id: int) -> Notice:
    return Notice.objects.select_related(
        "storefront", "product", "offer__variant__product", "offer__seller", "review", "seller"
    ).get(pk=notice_id)


def decision_for_email(*, decision_id: int) -> Decision:
    return Decision.objects.select_related(
        "notice__storefront",
        "notice__product",
        "notice__offer__variant__product",
        "notice__review",
        "seller",
        "author",
    ).get(pk=decision_id)


def _subject(notice: Notice) -> str:
    if notice.offer_id:
        return f"{notice.offer.variant.product.title} — {notice.offer.seller.display_name}"  # type: ignore[union-attr]
    if notice.product_id:
        return notice.product.title  # type: ignore[union-attr]
    if notice.review_id:
        return notice.review.title or str(notice.get_target_kind_display())  # type: ignore[union-attr]
    return notice.seller.display_name if notice.seller else ""


def complaint_url(decision: Decision, role: str) -> str:
    """The page where ``role`` contests the decision: the seller's area, or a signed link."""
    if role == Complaint.Role.AFFECTED and decision.seller_id:
        return site_url(
            reverse("seller_area:notice_decision", kwargs={"decision": decision.uuid}, urlconf=URLCONF)
        )
    kwargs = {
        "storefront": decision.notice.storefront.code,
        "token": decision_token(decision=decision, role=role),
    }
    return site_url(reverse("sf:notice_complaint", kwargs=kwargs, urlconf=URLCONF))


def _render(step: str, *, notice: Notice, language: str, recipient: str, **context: Any) -> Email:
    with translation.override(language):
        base = {
            "step": step,
            "notice": notice,
            "subject_of": _subject(notice),
            "kind": str(notice.get_target_kind_display()),
            "category": str(notice.get_category_display()),
        }
        decision = context.get("decision")
        if decision is not None:
            base["action"] = str(decision.get_action_display())
            base["complaint_until"] = timezone.localtime(complaint_deadline(decided_at=decision.decided_at))
    return email_render(
        kind=f"dsa_{step}",
        template="dsa_notice",
        storefront=notice.storefront,
        language=language,
        recipient=recipient,
        reference=notice.uuid.hex[:12],
        context={**base, **context},
    )


def operator_recipients() -> list[str]:
    """Who hears of an overdue notice: GALERIE_NOTICES_EMAIL, else the active staff."""
    if address := getattr(settings, "GALERIE_NOTICES_EMAIL", ""):
        return [address]
    staff = User.objects.filter(is_staff=True, is_active=True).exclude(email="").order_by("pk")
    return list(staff.values_list("email", flat=True))


def overdue_emails(*, notice: Notice) -> list[Email]:
    """The operator's alert: a notice's decision deadline passed."""
    url = site_url(reverse("back_office:notice", kwargs={"notice": notice.uuid}, urlconf=URLCONF))
    return [
        _render("overdue", notice=notice, language=settings.LANGUAGE_CODE, recipient=r, url=url)
        for r in operator_recipients()
    ]


def receipt_email(*, notice: Notice) -> Email | None:
    """The notifier's receipt, when they gave an address."""
    if not notice.notifier_email:
        return None
    return _render("receipt", notice=notice, language=notice.language, recipient=notice.notifier_email)


def statement_emails(*, decision: Decision) -> list[Email]:
    """The statement of reasons, to every address of the seller restricted or to the review's author."""
    notice = decision.notice
    if decision.seller is not None:
        language = notice.storefront.default_language
        recipients = seller_order_recipients(seller=decision.seller)
    elif decision.author is not None and decision.author.is_active and decision.author.email:
        language = decision.author.preferred_language or notice.storefront.default_language
        recipients = [decision.author.email]
    else:
        return []
    url = complaint_url(decision, Complaint.Role.AFFECTED)
    return [
        _render("statement", notice=notice, language=language, recipient=r, decision=decision, url=url)
        for r in recipients
    ]


def outcome_email(*, decision: Decision) -> Email | None:
    """The decision told to the notifier, when they gave an address."""
    notice = decision.notice
    if not notice.notifier_email:
        return None
    url = complaint_url(decision, Complaint.Role.NOTIFIER)
    return _render(
        "outcome",
        notice=notice,
        language=notice.language,
        recipient=notice.notifier_email,
        decision=decision,
        url=url,
    )


def buyer_email(*, decision: Decision, buyer: User) -> Email:
    """An illegal product told to one of its buyers: the seller's identity and the means of redress."""
    notice = decision.notice
    language = buyer.preferred_language or notice.storefront.default_language
    return _render(
        "buyer",
        notice=notice,
        language=language,
        recipient=buyer.email,
        decision=decision,
        seller=decision.seller,
    )


def complaint_email(*, complaint: Complaint) -> Email | None:
    """The outcome of a complaint, to its author."""
    if not complaint.email:
        return None
    decision = decision_for_email(decision_id=complaint.decision_id)
    notice = decision.notice
    if complaint.role == Complaint.Role.NOTIFIER:
        language = notice.language
    else:
        language = notice.storefront.default_language
    return _render(
        "complaint",
        notice=notice,
        language=language,
        recipient=complaint.email,
        decision=decision,
        complaint=complaint,
    )
