"""Resolve the storefront of a request (host or /s/<code>/) around a view, in its language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from galerie.core.errors import NotFound
from galerie.storefronts.errors import StorefrontClosed
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_get_public, storefronts_selling_others
from galerie.web.requests import StorefrontRequest


def storefront_view(
    methods: tuple[str, ...] = ("GET", "HEAD"),
    *,
    closed_too: bool = False,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Set ``request.storefront``, speak its language, turn NotFound errors into 404s. A closed
    storefront's page answers 410 with a notice (docs/storefront-closure.md), except the views
    marked ``closed_too`` (the customer's account and orders), which go on."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(
            request: StorefrontRequest, *args: Any, storefront: str | None = None, **kwargs: Any
        ) -> HttpResponseBase:
            try:
                try:
                    if storefront is not None:
                        request.storefront = storefront_get_public(code=storefront)
                    else:
                        request.storefront = storefront_get_public(
                            storefront_id=request.storefront_id_from_host
                        )
                except StorefrontClosed as closed:
                    request.storefront = closed.storefront
                    if not closed_too:
                        return storefront_gone(request)
                language = request.storefront.default_language
                with translation.override(language):
                    request.LANGUAGE_CODE = language
                    response = view(request, *args, **kwargs)
                response.headers["Content-Language"] = language
                return response
            except NotFound as error:
                raise Http404(error.message) from None

        return require_http_methods(list(methods))(wrapper)

    return decorate


def storefront_home_url(request: StorefrontRequest, other: Storefront) -> str:
    """Another storefront's home: its primary host, else its /s/<code>/ path on this host."""
    hosts = list(other.hosts.all())
    if hosts:
        return f"{request.scheme}://{hosts[0].host}/"
    return reverse("sf:home", kwargs={"storefront": other.code}, urlconf="galerie.urls")


def storefront_gone(request: StorefrontRequest) -> HttpResponseBase:
    """The 410 page of a closed storefront, in its language: a notice, the operator's storefronts
    that sell, and where the customer's orders are."""
    storefront = request.storefront
    with translation.override(storefront.default_language):
        request.LANGUAGE_CODE = storefront.default_language
        response = render(
            request,
            "galerie/storefront/closed.html",
            {
                "others": [
                    (other, storefront_home_url(request, other))
                    for other in storefronts_selling_others(storefront)
                ]
            },
            status=410,
        )
    response.headers["Content-Language"] = storefront.default_language
    return response
