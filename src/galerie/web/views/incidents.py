"""Incident pages: the customer's actions from the order page, the seller's answer, the back
office's escalations queue and decision, and the photos served to the parties only."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from galerie.core.errors import DomainError, InvalidInput
from galerie.core.money import Money
from galerie.incidents.errors import IncidentNotFound
from galerie.incidents.models import Incident
from galerie.incidents.selectors import (
    escalations_queue,
    incident_get_for_customer,
    incident_get_for_operator,
    incident_get_for_seller,
    incident_history,
    incidents_for_seller,
    photo_get_for_user,
)
from galerie.incidents.services import (
    incident_accept,
    incident_answer,
    incident_decide,
    incident_escalate,
    incident_open,
)
from galerie.orders.selectors import order_get_for_customer
from galerie.sellers.access import Perm
from galerie.web.requests import OperatorRequest, SellerRequest, StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.views.account import _to_sign_in
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.decorators import storefront_view
from galerie.web.views.seller.access import seller_view


def _error(request: HttpRequest, error: DomainError) -> None:
    if isinstance(error, InvalidInput):
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.error(request, error.message)


def _amount_minor(raw: str, currency: str) -> int:
    """Parse an amount typed in major units ("12.50" or "12,50"); raise InvalidInput."""
    try:
        return Money.parse(raw.replace(",", ".").strip(), currency).amount_minor
    except (ValueError, TypeError, ArithmeticError):
        raise InvalidInput({"amount": [_("Type an amount such as 12.50.")]}) from None


# --- the customer ----------------------------------------------------------------------------


@storefront_view(("POST",), closed_too=True)
def incident_open_view(request: StorefrontRequest, number: str) -> HttpResponse:
    """The customer opens an incident on one seller order of their order."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    order = order_get_for_customer(customer=request.user, number=number, storefront=request.storefront)
    part = next((p for p in order.seller_orders.all() if str(p.pk) == request.POST.get("seller_order")), None)
    back = sf_reverse(request, "order", number=order.number)
    if part is None:
        messages.error(request, _("Choose the parcel the problem is about."))
        return redirect(back)
    try:
        incident_open(
            seller_order_id=part.pk,
            customer=request.user,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", ""),
            photos=request.FILES.getlist("photos"),
        )
    except DomainError as error:
        _error(request, error)
        return redirect(back + f"#incidents-{part.pk}")
    messages.success(
        request,
        _("Your incident is sent to %(seller)s, who must answer within %(hours)s hours.")
        % {"seller": part.seller.display_name, "hours": request.storefront.incident_answer_hours},
    )
    return redirect(back + f"#incidents-{part.pk}")


@storefront_view(("POST",), closed_too=True)
def incident_customer_action(request: StorefrontRequest, incident: str) -> HttpResponse:
    """The customer accepts the seller's answer or asks the marketplace to decide."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    found = incident_get_for_customer(customer=request.user, incident_uuid=incident)
    order = found.seller_order.order
    if order.storefront_id != request.storefront.pk:
        raise IncidentNotFound(_("There is no such incident in your account."))
    try:
        if request.POST.get("action") == "accept":
            incident_accept(incident_id=found.pk, customer=request.user)
            messages.success(request, _("Thank you: the incident is resolved."))
        elif request.POST.get("action") == "escalate":
            incident_escalate(incident_id=found.pk, customer=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("The marketplace will look at your incident and decide."))
        else:
            raise InvalidInput({"action": [_("Choose to accept the answer or ask the marketplace.")]})
    except DomainError as error:
        _error(request, error)
    return redirect(sf_reverse(request, "order", number=order.number) + f"#incident-{found.uuid.hex}")


# --- the photos, to the parties only ---------------------------------------------------------


@require_GET
def incident_photo(request: HttpRequest, photo: str) -> FileResponse:
    """Serve an incident's photo to its customer, its seller's members or operator staff; 404 else."""
    try:
        found = photo_get_for_user(user=request.user, photo_uuid=photo)
    except IncidentNotFound:
        raise Http404(_("There is no such photo.")) from None
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- the seller --------------------------------------------------------------------------------


@seller_view(Perm.VIEW_ORDERS)
def seller_incidents(request: SellerRequest) -> HttpResponse:
    """The seller's incidents, newest first (the latest 100)."""
    rows = incidents_for_seller(seller_id=request.seller_access.seller.pk)[:100]
    return render(request, "galerie/incidents/seller_list.html", {"incidents": rows})


@seller_view(Perm.FULFIL_ORDERS, methods=("POST",))
def seller_incident_answer(request: SellerRequest, incident: str) -> HttpResponse:
    """The seller answers an incident of its own."""
    found = incident_get_for_seller(seller_id=request.seller_access.seller.pk, incident_uuid=incident)
    try:
        proposal = request.POST.get("proposal", "")
        amount = 0
        if proposal == Incident.Proposal.REFUND_PARTIAL:
            amount = _amount_minor(request.POST.get("amount", ""), found.seller_order.order.currency)
        incident_answer(
            incident_id=found.pk,
            acting_user=request.user,
            proposal=proposal,
            answer=request.POST.get("answer", ""),
            amount_minor=amount,
        )
        messages.success(request, _("Your answer is sent to the customer."))
    except DomainError as error:
        _error(request, error)
    return redirect(reverse("seller_area:order", kwargs={"number": found.seller_order.number}))


# --- the back office ---------------------------------------------------------------------------


@operator_view()
def escalations(request: OperatorRequest) -> HttpResponse:
    """Escalated incidents, the oldest escalation first (the first 200)."""
    return render(request, "galerie/incidents/queue.html", {"incidents": escalations_queue()[:200]})


@operator_view(("GET", "HEAD", "POST"))
def escalation_detail(request: OperatorRequest, incident: str) -> HttpResponse:
    """One incident with its history and photos; the operator's decision."""
    uuid = incident
    found = incident_get_for_operator(incident_uuid=uuid)
    if request.method == "POST":
        try:
            decision = request.POST.get("decision", "")
            amount = 0
            if decision != Incident.Decision.REJECTED:
                amount = _amount_minor(request.POST.get("amount", ""), found.seller_order.order.currency)
            incident_decide(
                incident_id=found.pk,
                operator=request.user,
                decision=decision,
                reason=request.POST.get("reason", ""),
                amount_minor=amount,
            )
        except DomainError as error:
            _error(request, error)
        else:
            messages.success(request, _("Decision recorded; both parties are told."))
            return redirect(reverse("back_office:incidents"))
        found = incident_get_for_operator(incident_uuid=uuid)
    seller_order = found.seller_order
    context = {
        "incident": found,
        "history": incident_history(incident=found),
        "left_minor": seller_order.total_minor - seller_order.refunded_minor,
        "currency": seller_order.order.currency,
        "decisions": Incident.Decision.choices,
    }
    return render(request, "galerie/incidents/escalation.html", context)
