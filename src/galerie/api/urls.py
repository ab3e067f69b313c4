"""The API's instance and its routers, mounted at /api/v1/ on every host (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, path, re_path
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


class GalerieApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The schema, where an operation that also serves callers without a credential (a
        guest's cart: an authentication marked ``openapi_optional``) says so with an empty
        security requirement, ``{}``, as OpenAPI has it."""
        schema = super().get_openapi_schema(**kwargs)
        optional = {
            operation.operation_id or self.get_openapi_operation_id(operation)
            for bound in self._get_bound_routers()
            for path_view in bound.path_operations.values()
            for operation in path_view.operations
            if any(getattr(auth, "openapi_optional", False) for auth in operation.auth_callbacks)
        }
        for item in schema["paths"].values():
            for spec in item.values():
                if spec.get("operationId") in optional and {} not in spec.setdefault("security", []):
                    spec["security"].append({})
        return schema


api = GalerieApi(
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


def _method_not_allowed_as_json(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """django-ninja answers a method a path does not have with a plain-text 405: give it the error body."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        message = f"{request.method} is not a method of this route; it has {allowed}."
        answer = errors.error_response(api, request, 405, code="method_not_allowed", message=message)
        answer["Allow"] = allowed
        return answer

    return wrapped


_patterns, _app, _namespace = api.urls  # (not `app_name`: include() would read it)
for pattern in _patterns:
    if isinstance(pattern, URLPattern):
        pattern.callback = _method_not_allowed_as_json(pattern.callback)

urlpatterns = [
    path("", (_patterns, _app, _namespace)),
    re_path(r"^(?P<rest>.*)$", unknown),
]
