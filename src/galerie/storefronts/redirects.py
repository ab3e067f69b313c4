"""Old paths of a storefront answer 301 to their new ones (StorefrontRedirect, docs/storefront-bundle.md).

Consulted only when a page is not found: a path that still exists is never redirected, and a
request that finds its page costs no query here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from galerie.storefronts.models import StorefrontRedirect

PREFIX = re.compile(r"^/s/(?P<code>[-a-zA-Z0-9_]+)/")


def redirect_for(request: HttpRequest) -> str | None:
    """The URL an unknown path of a storefront moved to, or None."""
    storefront_id = getattr(request, "storefront_id_from_host", None)
    path = request.path_info
    if storefront_id:
        prefix, relative = "/", path.lstrip("/")
        found = StorefrontRedirect.objects.filter(storefront_id=storefront_id, old_path=relative)
    elif match := PREFIX.match(path):
        prefix, relative = match.group(0), path[match.end() :]
        found = StorefrontRedirect.objects.filter(storefront__code=match.group("code"), old_path=relative)
    else:
        return None
    new_path = found.values_list("new_path", flat=True).first()
    if new_path is None:
        return None
    query = request.META.get("QUERY_STRING", "")
    return prefix + new_path + (f"?{query}" if query else "")


class StorefrontRedirectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.method in ("GET", "HEAD")
            and (target := redirect_for(request))
        ):
            return HttpResponsePermanentRedirect(target)
        return response
