"""The seller area's API keys (owners only): list, create (the key is shown once), revoke.

A new key is shown on the response to the POST that created it and nowhere else: it is not
kept in the session or the database, and the page is marked ``no-store``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from galerie.core.errors import DomainError
from galerie.sellers.access import Perm
from galerie.sellers.services.tokens import (
    seller_api_token_create,
    seller_api_token_revoke,
    seller_api_tokens_for,
)
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_staff import ROLE_SHORT, TokenForm
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view


@seller_view(Perm.MANAGE_TOKENS, methods=("GET", "HEAD", "POST"))
@never_cache
def token_list(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    form = TokenForm(request.POST or None)
    created = raw_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, raw_key = seller_api_token_create(
                    seller_id=seller.pk,
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    by=request.user,
                )
            except DomainError as error:
                add_domain_errors(form, error)
        if raw_key is None:
            status = 400
        else:
            form = TokenForm()
    return render(
        request,
        "galerie/seller/tokens.html",
        {
            "tokens": seller_api_tokens_for(seller=seller),
            "form": form,
            "created": created,
            "raw_key": raw_key,
            "roles": ROLE_SHORT,
        },
        status=status,
    )


@seller_view(Perm.MANAGE_TOKENS, methods=("POST",))
def token_revoke(request: SellerRequest, token_id: int) -> HttpResponse:
    token = seller_api_token_revoke(
        token_id=token_id, seller_id=request.seller_access.seller.pk, by=request.user
    )  # another seller's key: ApiTokenNotFound, a 404
    messages.success(
        request,
        _("The key “%(name)s” (%(prefix)s…) is revoked: it no longer works.")
        % {"name": token.name, "prefix": token.prefix},
    )
    return redirect("seller_area:tokens")
