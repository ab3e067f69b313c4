"""The seller area's product proposals: propose a product the catalog lacks, follow the decisions.

A proposal is fetched through a selector scoped to the current seller: another seller's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from galerie.catalog.errors import GtinInCatalog
from galerie.catalog.models import ProductProposal, ProductType
from galerie.catalog.services_proposals import product_proposal_get_for_seller, product_proposals_for_seller
from galerie.core.errors import InvalidInput
from galerie.offers.proposals import product_proposal_create, proposal_categories_for_seller
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_staff import ProductTypeChoiceForm, ProposalForm
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view


@seller_view(Perm.EDIT_OFFERS, methods=("GET", "HEAD", "POST"))
def proposal_new(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    params = request.POST if request.method == "POST" else request.GET
    chooser = ProductTypeChoiceForm(params if "product_type" in params else None)
    product_type = chooser.cleaned_data["product_type"] if chooser.is_bound and chooser.is_valid() else None
    categories = proposal_categories_for_seller(seller=seller)
    form = None
    gtin_match = None
    status = 200
    if product_type is not None:
        product_type = ProductType.objects.prefetch_related("attributes").get(pk=product_type.pk)
        bound = request.method == "POST"
        form = ProposalForm(
            request.POST if bound else None,
            request.FILES if bound else None,
            categories=categories,
            product_type=product_type,
        )
        if bound:
            if form.is_valid():
                data = form.cleaned_data
                price = data["price"]
                try:
                    proposal = product_proposal_create(
                        seller=seller,
                        by=request.user,
                        category_id=data["category"].pk,
                        product_type_id=product_type.pk,
                        title=data["title"],
                        brand_name=data["brand_name"],
                        gtin=data["gtin"],
                        description=data["description"],
                        attributes=form.attributes(),
                        image=data["image"] or None,
                        condition=data["condition"],
                        price=price,
                        stock=data["stock"],
                        publisher_price=data.get("publisher_price"),
                        safety=form.safety(),
                    )
                except GtinInCatalog as error:
                    form.add_error("gtin", error.message)
                    gtin_match = error
                except InvalidInput as error:
                    add_domain_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("Proposal sent: the operator checks it and you get an e-mail with the decision."),
                    )
                    return redirect("seller_area:proposal", proposal_id=proposal.pk)
            status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "galerie/seller/proposal_new.html",
        {
            "chooser": chooser if chooser.is_bound else ProductTypeChoiceForm(),
            "product_type": product_type,
            "form": form,
            "gtin_match": gtin_match,
            "has_categories": categories.exists(),
        },
        status=status,
    )


@seller_view(Perm.EDIT_OFFERS)
def proposal_list(request: SellerRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = product_proposals_for_seller(seller_id=request.seller_access.seller.pk)
    if status in ProductProposal.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "galerie/seller/proposals.html",
        {"proposals": rows[:200], "status": status, "statuses": ProductProposal.Status.choices},
    )


@seller_view(Perm.EDIT_OFFERS)
def proposal_detail(request: SellerRequest, proposal_id: int) -> HttpResponse:
    proposal = product_proposal_get_for_seller(
        seller_id=request.seller_access.seller.pk, proposal_id=proposal_id
    )
    return render(request, "galerie/seller/proposal.html", {"proposal": proposal})
