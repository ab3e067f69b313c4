"""The back office's product proposals: the queue (pending first) and the decision page."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from galerie.catalog.models import ProductProposal
from galerie.catalog.services_proposals import (
    product_proposal_duplicates,
    product_proposal_get,
    product_proposal_queue,
    product_proposal_reject,
)
from galerie.core.errors import DomainError
from galerie.offers.proposals import product_proposal_accept
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_staff import ProposalDecisionForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

QUEUE_LIMIT = 200


@operator_view()
def proposal_queue(request: OperatorRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    counts = dict(
        ProductProposal.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return render(
        request,
        "galerie/operator/proposals.html",
        {
            "proposals": product_proposal_queue(status=status)[:QUEUE_LIMIT],
            "status": status if status in ProductProposal.Status.values else "",
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in ProductProposal.Status.choices
            ],
            "total": sum(counts.values()),
        },
    )


@operator_view(methods=("GET", "HEAD", "POST"))
def proposal_detail(request: OperatorRequest, proposal_id: int) -> HttpResponse:
    proposal = product_proposal_get(proposal_id=proposal_id)
    form = ProposalDecisionForm(
        request.POST or None, initial={"title": proposal.title, "description": proposal.description}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "accept":
                    product_proposal_accept(
                        proposal_id=proposal.pk,
                        by=request.user,
                        title=data["title"] or None,
                        description=data["description"],
                    )
                    messages.success(request, _("Accepted: the product is in the catalog."))
                else:
                    product_proposal_reject(proposal_id=proposal.pk, by=request.user, reason=data["reason"])
                    messages.success(request, _("Rejected: the seller is told why."))
                return redirect("back_office:proposal", proposal_id=proposal.pk)
            except DomainError as error:
                add_domain_errors(form, error)
        status = 400
    return render(
        request,
        "galerie/operator/proposal.html",
        {
            "proposal": proposal,
            "duplicates": product_proposal_duplicates(proposal=proposal),
            "form": form,
        },
        status=status,
    )
