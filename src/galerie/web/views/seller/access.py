"""The seller area's one gate: who is signed in, for which seller, with which permission.

:func:`seller_view` wraps every view under /sell/ (except sign-in, the application and the
invitation pages): anonymous visitors go to the sign-in page; a user who works for no shop,
or whose role lacks the view's permission, gets a 403 page; an object of another seller is a
404 (the views fetch through selectors scoped to ``request.seller_access.seller``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from galerie.core.errors import NotFound, PermissionDenied
from galerie.sellers.access import APPLICANT_STATUSES, Perm, SellerAccess, seller_access_for
from galerie.web.requests import SellerRequest

SESSION_KEY = "seller_area_seller_id"
LOGIN_URL = "seller_area:login"


def remember_seller(request: HttpRequest, access: SellerAccess) -> None:
    """Make ``access.seller`` the seller the portal acts for in this session."""
    request.session[SESSION_KEY] = access.seller.pk


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "galerie/seller/forbidden.html", {"message": message}, status=403)


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "galerie/seller/not_found.html", {"message": message}, status=404)


def seller_view(
    perm: Perm, methods: tuple[str, ...] = ("GET", "HEAD")
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Let the view run only for a member of the current seller whose role grants ``perm``.

    Sets ``request.seller_access``; turns NotFound into a 404 page and PermissionDenied into a
    403 page, so views raise them freely.
    """

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), LOGIN_URL)
            try:
                access = seller_access_for(request.user, seller_id=request.session.get(SESSION_KEY))
                if access.seller.status in APPLICANT_STATUSES:
                    return redirect("seller_area:application")
                access.require(perm)
                gated_request = cast(SellerRequest, request)  # from here on, what the view is promised
                gated_request.seller_access = access
                return view(gated_request, *args, **kwargs)
            except NotFound as error:
                return not_found(request, error.message)
            except PermissionDenied as error:
                return forbidden(request, error.message)

        gated = require_http_methods(list(methods))(wrapper)
        # Read by the isolation test: every route of /sell/ is gated. A function takes the
        # attribute; the type of the decorated view does not declare it.
        gated.seller_perm = perm  # type: ignore[attr-defined]
        return gated

    return decorate
