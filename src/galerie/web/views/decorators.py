"""Resolve the storefront of a request (host or /s/<code>/) around a view, in its language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpResponseBase
from django.utils import translation
from django.views.decorators.http import require_http_methods

from galerie.core.errors import NotFound
from galerie.storefronts.selectors import storefront_get_public
from galerie.web.requests import StorefrontRequest


def storefront_view(
    methods: tuple[str, ...] = ("GET", "HEAD"),
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Set ``request.storefront``, speak its language, turn NotFound errors into 404s."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(
            request: StorefrontRequest, *args: Any, storefront: str | None = None, **kwargs: Any
        ) -> HttpResponseBase:
            try:
                if storefront is not None:
                    request.storefront = storefront_get_public(code=storefront)
                else:
                    request.storefront = storefront_get_public(storefront_id=request.storefront_id_from_host)
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
