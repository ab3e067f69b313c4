"""The seller area's P2B pages: the seller terms to accept (or leave rather than accept, art. 3),
and the complaints to the operator (art. 11; an answer to a decision, art. 4(3)).

Anyone of the shop reads them; only an owner accepts or refuses terms (a contract decision);
owners and managers file complaints.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError
from galerie.sellers.access import Perm
from galerie.sellers.models import Seller
from galerie.sellers.selectors import seller_termination_scheduled
from galerie.terms.selectors import (
    complaint_get_for_seller,
    complaints_for_seller,
    terms_acceptances_for_seller,
    terms_current,
    terms_pending_for_seller,
)
from galerie.terms.services import complaint_file, terms_accept, terms_refuse
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_terms import ComplaintForm, TermsDecisionForm
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view


def _terms_page(
    request: SellerRequest, *, form: TermsDecisionForm | None = None, status: int = 200
) -> HttpResponse:
    seller = request.seller_access.seller
    now = timezone.now()
    context = {
        "current": terms_current(now=now),
        "pending": terms_pending_for_seller(seller=seller, now=now),
        "acceptances": terms_acceptances_for_seller(seller=seller),
        "can_decide": request.seller_access.can(Perm.MANAGE_STAFF),
        "termination": seller_termination_scheduled(seller=seller),
        "form": form,
    }
    return render(request, "galerie/seller/terms.html", context, status=status)


@seller_view(Perm.VIEW_DASHBOARD)
def terms(request: SellerRequest) -> HttpResponse:
    return _terms_page(request)


@seller_view(Perm.MANAGE_STAFF, methods=("POST",))
def terms_decide(request: SellerRequest) -> HttpResponse:
    """Accept a version of the terms, or close the shop rather than accept it (owners only)."""
    seller = request.seller_access.seller
    form = TermsDecisionForm(request.POST)
    if not form.is_valid():
        return _terms_page(request, form=form, status=400)
    version_id = form.cleaned_data["version"]
    try:
        if request.POST.get("action") == "refuse":
            terms_refuse(
                seller=seller, version_id=version_id, reason=form.cleaned_data["reason"], by=request.user
            )
            messages.success(request, _("Your shop is closed, as you asked: you are told by e-mail."))
        else:
            terms_accept(seller=seller, version_id=version_id, by=request.user)
            messages.success(request, _("Thank you: your acceptance of the terms is recorded."))
    except DomainError as error:
        add_domain_errors(form, error)
        return _terms_page(request, form=form, status=400)
    return redirect("seller_area:terms")


def _complaints_page(request: SellerRequest, form: ComplaintForm, status: int = 200) -> HttpResponse:
    seller = request.seller_access.seller
    context = {
        "complaints": complaints_for_seller(seller=seller),
        "form": form,
        "can_file": request.seller_access.can(Perm.EDIT_SHOP) and seller.status != Seller.Status.CLOSED,
    }
    return render(request, "galerie/seller/complaints.html", context, status=status)


@seller_view(Perm.VIEW_DASHBOARD)
def complaints(request: SellerRequest) -> HttpResponse:
    return _complaints_page(request, ComplaintForm(initial={"kind": request.GET.get("kind", "")}))


@seller_view(Perm.EDIT_SHOP, methods=("POST",))
def complaint_new(request: SellerRequest) -> HttpResponse:
    form = ComplaintForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaint_file(
                seller=request.seller_access.seller,
                kind=data["kind"],
                subject=data["subject"],
                text=data["text"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request, _("Your complaint is sent: the operator answers you by e-mail and here.")
            )
            return redirect("seller_area:complaint", complaint_id=complaint.pk)
    return _complaints_page(request, form, status=400)


@seller_view(Perm.VIEW_DASHBOARD)
def complaint(request: SellerRequest, complaint_id: int) -> HttpResponse:
    found = complaint_get_for_seller(seller=request.seller_access.seller, complaint_id=complaint_id)
    return render(request, "galerie/seller/complaint.html", {"complaint": found})
