"""Typed domain errors with a stable code.

The API maps ``code`` to an HTTP status and a JSON body, the web layer to a form
message. ``field`` names the input at fault when there is one; the message names the
real cause in words a user understands.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class InvalidInput(DomainError):
    """Bad input: ``errors`` maps each field to its messages; nothing was changed."""

    code = "invalid_input"
    http_status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        field = next(iter(errors))
        text = "; ".join(
            f"{name}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
            for name, msgs in errors.items()
        )
        super().__init__(text, field=None if field == "__all__" else field)

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> InvalidInput:
        if hasattr(error, "error_dict"):
            return cls(
                {
                    field: [str(m) for m in errs[0].messages]
                    if len(errs) == 1
                    else [m for e in errs for m in e.messages]
                    for field, errs in error.error_dict.items()
                }
            )
        return cls({"__all__": list(error.messages)})

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": self.errors}


def full_clean(obj: models.Model, **kwargs: Any) -> None:
    """Run a model's validation; turn Django's ValidationError into InvalidInput."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        raise InvalidInput.from_validation_error(error) from None
