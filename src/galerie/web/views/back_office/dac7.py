"""The back office's DAC7 page: the year's figures per seller (reportable or excluded and why,
missing data, payouts held), the active payout holds, the operator's exclusion flag, and the
declaration's XML (docs/dac7.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galerie.core.errors import DomainError
from galerie.dac7.declaration import dac7_declaration_build
from galerie.dac7.models import SellerTaxProfile
from galerie.dac7.selectors import dac7_rows
from galerie.dac7.services import seller_tax_exclusion_set
from galerie.ledger.holds import payout_holds_active
from galerie.sellers.models import Seller
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

FIRST_YEAR = 2023  # the first reportable period of DAC7


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("The year %(year)s has not begun.") % {"year": year})
        return year


class ExclusionForm(forms.Form):
    exclusion = forms.ChoiceField(
        label=gettext_lazy("Exclusion"), choices=SellerTaxProfile.Exclusion.choices, required=False
    )
    year = forms.IntegerField(widget=forms.HiddenInput, required=False)


@operator_view()
def dac7_report(request: OperatorRequest) -> HttpResponse:
    form = YearForm(request.GET or {"year": timezone.localdate().year - 1})
    if not form.is_valid():
        return render(request, "galerie/operator/dac7.html", {"form": form, "rows": None}, status=400)
    year = form.cleaned_data["year"]
    rows = dac7_rows(year=year)
    context = {
        "form": form,
        "year": year,
        "rows": rows,
        "reportable": sum(1 for row in rows if row.reportable),
        "holds": payout_holds_active(),
        "exclusions": SellerTaxProfile.Exclusion.choices,
    }
    return render(request, "galerie/operator/dac7.html", context)


@operator_view()
def dac7_declaration(request: OperatorRequest, year: int) -> HttpResponse:
    form = YearForm({"year": year})
    if not form.is_valid():
        raise Http404
    try:
        result = dac7_declaration_build(year=year, rows=dac7_rows(year=year))
    except DomainError as error:
        return HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
    response = HttpResponse(result.xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="DAC7-{year}.xml"'
    return response


@operator_view(methods=("POST",))
def dac7_exclusion(request: OperatorRequest, seller_id: int) -> HttpResponse:
    if not Seller.objects.filter(pk=seller_id).exists():
        raise Http404
    form = ExclusionForm(request.POST)
    year = request.POST.get("year", "")
    target = f"?year={year}" if year.isdigit() else ""
    if not form.is_valid():
        messages.error(request, _("Choose governmental, listed or none."))
        return redirect(reverse("back_office:dac7") + target)
    try:
        seller_tax_exclusion_set(
            seller_id=seller_id, exclusion=form.cleaned_data["exclusion"], by=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Exclusion saved."))
    return redirect(reverse("back_office:dac7") + target)
