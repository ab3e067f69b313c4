"""“Sell on <storefront>”: the public application form of a storefront (EU DSA art. 30 trader data)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from galerie.core.errors import InvalidInput
from galerie.sellers.selectors import seller_applications_for_user
from galerie.storefronts.models import Storefront
from galerie.terms.services import seller_application_submit_with_terms
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_sellers import FIELD_OF_MODEL_ERROR, BecomeSellerForm
from galerie.web.requests import StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.throttling import refused, throttle_attempt
from galerie.web.views.decorators import storefront_view


def _open_storefronts():
    return Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("name")


@storefront_view(("GET", "HEAD", "POST"))
def become_seller(request: StorefrontRequest) -> HttpResponse:
    storefront = request.storefront
    pending = [s for s in seller_applications_for_user(user=request.user) if s.status != s.Status.REJECTED]
    login_url = f"{sf_reverse(request, 'login')}?next={request.get_full_path()}"
    if pending:
        return render(
            request, "galerie/storefront/become_seller.html", {"pending": pending[0], "login_url": login_url}
        )
    storefronts = _open_storefronts()
    initial: dict[str, Any] = {
        "storefronts": [storefront.pk] if storefront.status == Storefront.Status.OPEN else []
    }
    if request.user.is_authenticated:
        initial["email"] = request.user.email
    form = BecomeSellerForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        storefronts=storefronts,
        initial=initial,
    )
    account = request.user.email if request.user.is_authenticated else request.POST.get("account_email", "")
    throttled = request.method == "POST" and throttle_attempt(request, "seller_application", account=account)
    if throttled:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, throttled.message)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            seller, user = seller_application_submit_with_terms(
                kind=data["kind"],
                identity=form.identity(),
                storefronts=data["storefronts"],
                certifies_compliance=data["certifies_compliance"],
                documents=form.documents(),
                user=form.user,
                email=data.get("account_email", ""),
                password=data.get("password", ""),
                language=storefront.default_language,
            )
        except InvalidInput as error:
            add_domain_errors(form, error, renamed=FIELD_OF_MODEL_ERROR)
        else:
            if not request.user.is_authenticated:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Thank you: your application is sent. We check it and write to %(email)s.")
                % {"email": seller.email},
            )
            return redirect(reverse("seller_area:application"))
    response = render(
        request,
        "galerie/storefront/become_seller.html",
        {"form": form, "login_url": login_url, "has_storefronts": storefronts.exists()},
        status=400 if form.errors else 200,
    )
    return refused(response, throttled or None)
