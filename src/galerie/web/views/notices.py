"""DSA notice-and-action pages: anyone's notice of illegal content on a storefront (art. 16), the
back office's queue and decision with its statement of reasons (art. 17), the complaint of the
party affected (seller area) or of the notifier or review author (signed link) and its outcome
(art. 20). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError
from galerie.notices import selectors, services
from galerie.notices.errors import NoticeTargetNotFound
from galerie.notices.models import ACTIONS_FOR, Complaint, Notice, TargetKind
from galerie.notices.rules import complaint_deadline
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_notices import ComplaintForm, ComplaintOutcomeForm, DecisionForm, NoticeForm
from galerie.web.requests import OperatorRequest, SellerRequest, StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.throttling import refused, throttle_attempt
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.decorators import storefront_view
from galerie.web.views.seller.access import seller_view

# --- the storefront: the notice ----------------------------------------------------------------


@storefront_view(("GET", "HEAD", "POST"))
def notice_report(request: StorefrontRequest) -> HttpResponse:
    """Report illegal content, signed in or not (art. 16 DSA)."""
    source = request.POST if request.method == "POST" else request.GET
    kind, ref = str(source.get("kind", "")), str(source.get("ref", ""))
    target = None
    try:
        target = selectors.notice_target_get(storefront=request.storefront, kind=kind, ref=ref)
    except NoticeTargetNotFound as error:
        target_error = error.message
    else:
        target_error = ""
    initial = {"kind": kind, "ref": ref, "url": request.GET.get("url", "")}
    form = NoticeForm(request.POST or None, initial=initial)
    throttled = request.method == "POST" and throttle_attempt(
        request, "dsa_notice", account=request.POST.get("notifier_email", "")
    )
    if throttled:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, throttled.message)
    elif request.method == "POST" and form.is_valid():
        if target is None:
            form.add_error(None, target_error)
        else:
            data = form.cleaned_data
            try:
                services.notice_submit(
                    storefront=request.storefront,
                    target=target,
                    category=data["category"],
                    explanation=data["explanation"],
                    url=data["url"],
                    notifier_name=data["notifier_name"],
                    notifier_email=data["notifier_email"],
                    good_faith=data["good_faith"],
                    language=request.storefront.default_language,
                )
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                return redirect(sf_reverse(request, "notice_sent"))
    status = 400 if form.errors else 200 if target else 404
    context = {"form": form, "target": target, "target_error": target_error}
    return refused(render(request, "galerie/notices/report.html", context, status=status), throttled or None)


@storefront_view(("GET", "HEAD"))
def notice_sent(request: StorefrontRequest) -> HttpResponse:
    return render(request, "galerie/notices/sent.html")


# --- the storefront: a complaint by signed link ------------------------------------------------


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def notice_complaint(request: StorefrontRequest, token: str) -> HttpResponse:
    """The notifier's or review author's complaint against a decision (art. 20 DSA)."""
    decision, role = selectors.decision_get_by_token(token=token)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_lodge(
                decision_id=decision.pk,
                role=role,
                text=form.cleaned_data["text"],
                by_user=request.user if request.user.is_authenticated else None,
                email=decision.notice.notifier_email if role == Complaint.Role.NOTIFIER else "",
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            return render(request, "galerie/notices/complaint_sent.html", {"decision": decision})
    context = {
        "decision": decision,
        "form": form,
        "until": complaint_deadline(decided_at=decision.decided_at),
        "late": timezone.now() > complaint_deadline(decided_at=decision.decided_at),
    }
    return render(request, "galerie/notices/complaint.html", context, status=400 if form.errors else 200)


# --- the seller area ---------------------------------------------------------------------------


@seller_view(Perm.VIEW_OFFERS)
def seller_decisions(request: SellerRequest) -> HttpResponse:
    """The decisions restricting the seller's content, with their statements of reasons."""
    decisions = selectors.decisions_for_seller(seller=request.seller_access.seller)[:200]
    return render(request, "galerie/notices/seller_decisions.html", {"decisions": decisions})


@seller_view(Perm.VIEW_OFFERS, ("GET", "HEAD", "POST"))
def seller_decision(request: SellerRequest, decision: str) -> HttpResponse:
    """One statement of reasons, and the form to contest it within six months."""
    found = selectors.decision_get_for_seller(seller=request.seller_access.seller, decision_uuid=decision)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_lodge(
                decision_id=found.pk,
                role=Complaint.Role.AFFECTED,
                text=form.cleaned_data["text"],
                by_user=request.user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request, _("Your complaint is recorded: a member of staff examines it and tells you.")
            )
            return redirect("seller_area:notice_decision", decision=found.uuid)
    until = complaint_deadline(decided_at=found.decided_at)
    context = {"decision": found, "form": form, "until": until, "late": timezone.now() > until}
    return render(
        request, "galerie/notices/seller_decision.html", context, status=400 if form.errors else 200
    )


# --- the back office ---------------------------------------------------------------------------


@operator_view()
def notice_queue(request: OperatorRequest) -> HttpResponse:
    """The notices awaiting a decision, the earliest deadline first, the overdue flagged."""
    now = timezone.now()
    notices = list(selectors.notices_queue()[:500])
    rows = [(notice, notice.due_at < now) for notice in notices]
    context = {"rows": rows, "complaints": selectors.complaints_queue()[:200], "now": now}
    return render(request, "galerie/notices/queue.html", context)


@operator_view(("GET", "HEAD", "POST"))
def notice_detail(request: OperatorRequest, notice: str) -> HttpResponse:
    """A notice, its decisions, and the decision form while it is open."""
    found = selectors.notice_get_for_operator(notice_uuid=notice)
    form = DecisionForm(request.POST or None, actions=ACTIONS_FOR[found.target_kind])
    if request.method == "POST" and found.status == Notice.Status.OPEN and form.is_valid():
        try:
            services.notice_decide(notice_id=found.pk, by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("The decision is recorded; the statement of reasons is sent."))
            return redirect("back_office:notice", notice=found.uuid)
    context = {
        "notice": found,
        "form": form,
        "decisions": selectors.notice_decisions(notice=found),
        "overdue": found.status == Notice.Status.OPEN and found.due_at < timezone.now(),
        "is_review": found.target_kind == TargetKind.REVIEW,
    }
    return render(request, "galerie/notices/detail.html", context, status=400 if form.errors else 200)


@operator_view(("GET", "HEAD", "POST"))
def complaint_detail(request: OperatorRequest, complaint: str) -> HttpResponse:
    """A complaint against a decision, and the form to uphold or reverse it."""
    found = selectors.complaint_get_for_operator(complaint_uuid=complaint)
    form = ComplaintOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_decide(
                complaint_id=found.pk,
                by=request.user,
                reverse=form.cleaned_data["outcome"] == "reverse",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("The complaint is decided; the complainant is told."))
            return redirect(reverse("back_office:notices"))
    context = {"complaint": found, "decision": found.decision, "form": form}
    return render(
        request, "galerie/notices/complaint_detail.html", context, status=400 if form.errors else 200
    )
