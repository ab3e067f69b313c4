"""The seller area's shop settings: the public shop page and the shipping profile."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError
from galerie.notifications.emails import site_url
from galerie.offers.selectors.seller import seller_storefront_scopes
from galerie.pricing.shipping import ShippingRule
from galerie.sellers.access import Perm
from galerie.sellers.services.shop import seller_shop_update
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_portal import ShopSettingsForm, amount_text
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view

PATH_URLCONF = "galerie.urls"
# The shipping profile's field names (in a service's errors) → the form's.
SHIPPING_FIELDS = {
    "kind": "shipping_kind",
    "base_minor": "shipping_base",
    "per_item_minor": "shipping_per_item",
    "free_above_minor": "shipping_free_above",
    "transit_days_min": "transit_days_min",
    "transit_days_max": "transit_days_max",
    "book_discount_bp": "book_discount_bp",
}


def _initial(seller, profile, currency: str) -> dict:
    rule = ShippingRule.of(profile)
    return {
        "display_name": seller.display_name,
        "description": seller.description,
        "return_policy": seller.return_policy,
        "low_stock_threshold": seller.low_stock_threshold,
        "shipping_kind": rule.kind,
        "shipping_base": amount_text(rule.base_minor, currency),
        "shipping_per_item": amount_text(rule.per_item_minor, currency),
        "shipping_free_above": amount_text(rule.free_above_minor, currency),
        "transit_days_min": rule.transit_days_min,
        "transit_days_max": rule.transit_days_max,
        "book_discount_bp": rule.book_discount_bp,
    }


@seller_view(Perm.EDIT_SHOP, methods=("GET", "HEAD", "POST"))
def shop_settings(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    profile = getattr(seller, "shipping_profile", None)
    currency = profile.currency if profile else "EUR"
    if request.method == "POST":
        form = ShopSettingsForm(request.POST, request.FILES, currency=currency)
        if form.is_valid():
            data = form.cleaned_data
            try:
                seller_shop_update(
                    seller_id=seller.pk,
                    by=request.user,
                    display_name=data["display_name"],
                    description=data["description"],
                    return_policy=data["return_policy"],
                    low_stock_threshold=data["low_stock_threshold"],
                    shipping=form.shipping(),
                    logo=data["logo"] or None,
                    logo_remove=data["logo_remove"],
                )
            except DomainError as error:
                add_domain_errors(form, error, renamed=SHIPPING_FIELDS)
            else:
                messages.success(request, _("Shop settings saved."))
                return redirect("seller_area:shop")
    else:
        form = ShopSettingsForm(initial=_initial(seller, profile, currency), currency=currency)
    pages = [
        {
            "storefront": scope.storefront,
            "url": site_url(
                reverse(
                    "sf:seller",
                    kwargs={"storefront": scope.storefront.code, "slug": seller.slug},
                    urlconf=PATH_URLCONF,
                )
            ),
        }
        for scope in seller_storefront_scopes(seller)
    ]
    return render(
        request,
        "galerie/seller/shop.html",
        {"form": form, "seller": seller, "currency": currency, "pages": pages},
        status=400 if form.is_bound else 200,
    )
