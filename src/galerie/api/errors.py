"""One error body for the whole API: ``{"error": {"code", "message", "field", "errors"}}``.

``code`` is the domain error's stable code (galerie.core.errors and each app's errors module);
``errors`` maps each field at fault to its messages when the input was bad. Nothing was changed
when an error is returned.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from galerie.core.errors import DomainError


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    errors: dict[str, list[str]] | None = None


class ErrorBody(Schema):
    error: ErrorDetail


# The statuses every operation may answer with the error body (added to each route's responses).
ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429)
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_input",
    429: "rate_limited",
}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    *,
    code: str,
    message: str,
    field: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, {"error": body}, status=status)


def _location(loc: Any) -> str:
    # ninja puts where the value was first ("body", "query", "path"), then the field's path.
    parts = [str(p) for p in (loc or ())]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"payload", "filters", "data"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn every failure into the one error body."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(
            api,
            request,
            exc.http_status,
            code=exc.code,
            message=exc.message,
            field=exc.field,
            errors=getattr(exc, "errors", None),
        )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            errors.setdefault(_location(item.get("loc")), []).append(str(item.get("msg", "invalid")))
        text = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        return error_response(
            api,
            request,
            422,
            code="invalid_input",
            message=text,
            field=next(iter(errors), None),
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(
            api,
            request,
            401,
            code="unauthenticated",
            message="Send a valid key: 'Authorization: Bearer <key>'.",
        )
        response["WWW-Authenticate"] = 'Bearer realm="galerie"'
        return response

    @api.exception_handler(AuthorizationError)
    def forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(api, request, 403, code="permission_denied", message=str(exc.message))

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = error_response(
            api,
            request,
            429,
            code="rate_limited",
            message=getattr(exc, "refusal_message", "")
            or "Too many requests: wait for the number of seconds in Retry-After.",
        )
        if exc.wait:  # ninja sets it itself after its throttles, not after an authentication
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        return error_response(api, request, status, code=CODES.get(status, "error"), message=str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, code="not_found", message=str(exc) or "Not found.")
