"""The seller area's tax information page: the identification data DAC7 needs (docs/dac7.md).

Owners and managers (``Perm.VIEW_MONEY``: the people who see the payouts) read and fill it in;
saving complete data lifts a DAC7 payout hold at once."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galerie.core.errors import DomainError
from galerie.dac7.models import SellerTaxProfile
from galerie.dac7.selectors import FIELD_LABELS, seller_missing_data, seller_tax_profile_get, seller_type_of
from galerie.dac7.services import seller_tax_profile_update
from galerie.ledger.holds import payout_holds_active
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view


class TaxProfileForm(forms.Form):
    seller_type = forms.ChoiceField(
        label=gettext_lazy("You sell as"),
        choices=SellerTaxProfile.SellerType.choices,
        widget=forms.RadioSelect,
    )
    tin = forms.CharField(
        label=FIELD_LABELS["tin"],
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "In France: the SIREN of a company, the tax number (numéro fiscal) of a person."
        ),
    )
    tin_country = forms.CharField(
        label=FIELD_LABELS["tin_country"],
        max_length=2,
        required=False,
        help_text=gettext_lazy("FR, BE, DE …"),
    )
    permanent_establishments = forms.CharField(
        label=gettext_lazy("Permanent establishments in other EU countries"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Entities only: EU country codes separated by commas, e.g. DE,ES."),
    )
    first_name = forms.CharField(label=FIELD_LABELS["first_name"], max_length=100, required=False)
    last_name = forms.CharField(label=FIELD_LABELS["last_name"], max_length=100, required=False)
    birth_date = forms.DateField(
        label=FIELD_LABELS["birth_date"],
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Individuals only."),
    )
    birth_city = forms.CharField(label=FIELD_LABELS["birth_city"], max_length=100, required=False)
    birth_country = forms.CharField(label=FIELD_LABELS["birth_country"], max_length=2, required=False)
    account_holder = forms.CharField(
        label=FIELD_LABELS["account_holder"],
        max_length=200,
        required=False,
        help_text=gettext_lazy("The name of the holder of the IBAN your payouts go to."),
    )


def _initial(seller, profile: SellerTaxProfile | None) -> dict:
    initial = {"seller_type": seller_type_of(seller, profile)}
    if profile is not None:
        initial.update(
            {name: getattr(profile, name) for name in TaxProfileForm.base_fields if name != "seller_type"}
        )
    return initial


@seller_view(Perm.VIEW_MONEY, methods=("GET", "HEAD", "POST"))
def tax_information(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    profile = seller_tax_profile_get(seller=seller)
    if request.method == "POST":
        form = TaxProfileForm(request.POST)
        if form.is_valid():
            try:
                profile = seller_tax_profile_update(
                    seller_id=seller.pk, by=request.user, values=form.cleaned_data
                )
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(request, _("Tax information saved."))
                return redirect("seller_area:tax_information")
    else:
        form = TaxProfileForm(initial=_initial(seller, profile))
    missing = [FIELD_LABELS[code] for code in seller_missing_data(seller, profile)]
    holds = payout_holds_active(seller_ids=[seller.pk])
    return render(
        request,
        "galerie/seller/tax_information.html",
        {"form": form, "seller": seller, "missing": missing, "holds": holds},
        status=400 if form.is_bound else 200,
    )
