"""Route a request to its storefront by host name.

A host that belongs to a storefront serves that storefront at its root (production).
Any other host serves the landing page and every storefront under ``/s/<code>/``
(the demo, and the operator's own domain).
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from galerie.storefronts.selectors import storefront_id_for_host

HOST_URLCONF = "galerie.web.urls_host"


class HostRoutedRequest(HttpRequest):
    """A request as this middleware leaves it (for type checking; never instantiated)."""

    storefront_id_from_host: int | None
    urlconf: str


class StorefrontMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HostRoutedRequest) -> HttpResponse:
        request.storefront_id_from_host = None
        host = request.get_host().rsplit(":", 1)[0] if "]" not in request.get_host() else ""
        if host and (storefront_id := storefront_id_for_host(host)):
            request.storefront_id_from_host = storefront_id
            request.urlconf = HOST_URLCONF
        return self.get_response(request)
