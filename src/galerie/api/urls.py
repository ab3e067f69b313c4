"""The API's instance and its routers, mounted at /api/v1/ on every host (docs/api.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from ninja import NinjaAPI

from galerie.api import errors
from galerie.api.routers import operator, seller, storefront
from galerie.api.throttles import throttles

DESCRIPTION = """\
Galerie's REST API: a seller's stock and order systems, a headless storefront, the operator's
automation. Every write that creates or moves money or stock accepts an `Idempotency-Key`
header: the same key and body get the first response again (`Idempotent-Replayed: true`),
the same key with another body gets 422. Lists are keyset-paginated (`limit`, `after`; follow
`next`). Errors have one shape: `{"error": {"code", "message", "field", "errors"}}`.
Rate limits answer 429 with `Retry-After`. Guide: docs/api.md.
"""

api = NinjaAPI(
    title="Galerie API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    throttle=throttles,
)
errors.install(api)
api.add_router("/seller/", seller.router)
api.add_router("/storefronts/", storefront.router)
api.add_router("/operator/", operator.router)


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return errors.error_response(api, request, 404, code="not_found", message="No such API route.")


urlpatterns = [path("", api.urls), re_path(r"^(?P<rest>.*)$", unknown)]
