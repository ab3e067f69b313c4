"""The back office's gate: operator staff only.

Anonymous visitors go to the sign-in page; a signed-in user who is not operator staff (a
customer, a seller) gets a 403; a missing object is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from galerie.core.errors import NotFound

LOGIN_URL = "admin:login"


def operator_view(
    methods: tuple[str, ...] = ("GET", "HEAD"),
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Let the view run only for active operator staff (``is_staff``)."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), LOGIN_URL)
            if not (user.is_active and user.is_staff):
                return render(request, "galerie/operator/forbidden.html", status=403)
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                context = {"message": error.message}
                return render(request, "galerie/operator/not_found.html", context, status=404)

        gated = require_http_methods(list(methods))(wrapper)
        # Read by the isolation test: every route of /back-office/ is gated. A function takes the
        # attribute; the type of the decorated view does not declare it.
        gated.operator_only = True  # type: ignore[attr-defined]
        return gated

    return decorate
