"""Domain errors shown on the form that sent the input.

Services raise typed errors (``galerie.core.errors``): ``InvalidInput`` maps each field to its
messages, any other ``DomainError`` carries one message and maybe the ``field`` at fault. A page
shows each message next to the field it names, and on top of the form (its non-field errors) when
the form has no such field, so that no message is lost.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from galerie.core.errors import DomainError, InvalidInput


def add_domain_errors(
    form: forms.Form,
    error: DomainError,
    *,
    renamed: Mapping[str, str] | None = None,
    fallback: str | None = None,
) -> None:
    """Put each message of ``error`` on the form field it names, or on top of the form.

    ``renamed`` maps a service's field name to the form's when they differ. ``fallback`` is the
    form field for messages that name no field of the form (default: the non-field errors).
    """
    renamed = renamed or {}
    if isinstance(error, InvalidInput):
        pairs = [(name, message) for name, messages in error.errors.items() for message in messages]
    else:
        pairs = [(error.field or "", error.message)]
    for name, message in pairs:
        field = renamed.get(name, name)
        form.add_error(field if field in form.fields else fallback, message)
