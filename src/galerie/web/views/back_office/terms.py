"""The back office's P2B pages: publish a version of the seller terms (art. 3), and the queue of
sellers' complaints with their age and status, to answer (art. 11).

Beyond operator staff, each page asks a Django permission: ``terms.add_sellertermsversion`` to
publish terms, ``terms.view_sellercomplaint`` to read the queue, ``terms.change_sellercomplaint``
to answer.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError
from galerie.terms.models import SellerComplaint
from galerie.terms.selectors import (
    complaint_get_for_operator,
    complaints_for_operator,
    terms_current,
    terms_versions_for_operator,
)
from galerie.terms.services import complaint_answer, terms_version_publish
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_terms import ComplaintAnswerForm, TermsPublishForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

PUBLISH, VIEW, ANSWER = (
    "terms.add_sellertermsversion",
    "terms.view_sellercomplaint",
    "terms.change_sellercomplaint",
)


def _forbidden(request: OperatorRequest) -> HttpResponse:
    return render(request, "galerie/operator/forbidden.html", status=403)


def _terms_page(request: OperatorRequest, form: TermsPublishForm, status: int = 200) -> HttpResponse:
    context = {
        "versions": terms_versions_for_operator(),
        "current": terms_current(now=timezone.now()),
        "form": form,
    }
    return render(request, "galerie/operator/terms.html", context, status=status)


@operator_view(methods=("GET", "HEAD", "POST"))
def terms(request: OperatorRequest) -> HttpResponse:
    if not request.user.has_perm(PUBLISH):
        return _forbidden(request)
    if request.method != "POST":
        return _terms_page(request, TermsPublishForm())
    form = TermsPublishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = terms_version_publish(
                title=data["title"],
                text=data["text"],
                summary=data["summary"],
                effective_at=data["effective_at"],
                exception=data["exception"] or "",
                exception_reason=data["exception_reason"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)d published: every active seller is told by e-mail.")
                % {"number": version.number},
            )
            return redirect("back_office:terms")
    return _terms_page(request, form, status=400)


@operator_view()
def complaint_queue(request: OperatorRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        return _forbidden(request)
    status = request.GET.get("status", "")
    if status not in SellerComplaint.Status.values:
        status = ""
    context = {
        "complaints": complaints_for_operator(status=status),
        "status": status,
        "statuses": SellerComplaint.Status.choices,
        "now": timezone.now(),
    }
    return render(request, "galerie/operator/complaints.html", context)


def _complaint_page(
    request: OperatorRequest, complaint_id: int, form: ComplaintAnswerForm, status: int = 200
) -> HttpResponse:
    found = complaint_get_for_operator(complaint_id=complaint_id)
    context = {"complaint": found, "form": form, "can_answer": request.user.has_perm(ANSWER)}
    return render(request, "galerie/operator/complaint.html", context, status=status)


@operator_view(methods=("GET", "HEAD", "POST"))
def complaint(request: OperatorRequest, complaint_id: int) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        return _forbidden(request)
    if request.method != "POST":
        return _complaint_page(request, complaint_id, ComplaintAnswerForm())
    if not request.user.has_perm(ANSWER):
        return _forbidden(request)
    form = ComplaintAnswerForm(request.POST)
    if form.is_valid():
        try:
            complaint_answer(
                complaint_id=complaint_id,
                answer=form.cleaned_data["answer"],
                outcome=form.cleaned_data["outcome"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Answer sent: the seller is told by e-mail."))
            return redirect("back_office:complaint", complaint_id=complaint_id)
    return _complaint_page(request, complaint_id, form, status=400)
