"""Check attribute values against a product type's typed schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from galerie.catalog.errors import InvalidAttributes
from galerie.catalog.models import AttributeDefinition

Kind = AttributeDefinition.Kind


def _coerce(definition: AttributeDefinition, value: Any) -> Any:
    kind = definition.kind
    if kind == Kind.TEXT:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("a non-empty text")
        return value.strip()
    if kind == Kind.INTEGER:
        if isinstance(value, bool):
            raise ValueError("a whole number")
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, int):
            return value
        raise ValueError("a whole number")
    if kind == Kind.DECIMAL:
        # Stored as a string so that JSON never turns it into a float.
        if isinstance(value, (bool, float)):
            raise ValueError("a decimal number written as text, e.g. “15.6”")
        try:
            number = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            raise ValueError("a decimal number, e.g. “15.6”") from None
        if not number.is_finite():
            raise ValueError("a decimal number, e.g. “15.6”")
        return str(number)
    if kind == Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
        raise ValueError("true or false")
    if kind == Kind.CHOICE:
        if value not in definition.choices:
            raise ValueError("one of " + ", ".join(f"“{c}”" for c in definition.choices))
        return value
    raise ValueError(f"of unknown kind {kind}")


def attributes_clean(
    definitions: Iterable[AttributeDefinition], values: Mapping[str, Any], *, level: str
) -> dict[str, Any]:
    """Return the values coerced to their kinds; raise InvalidAttributes naming every bad one."""
    schema = {d.code: d for d in definitions if d.level == level}
    errors: list[str] = []
    cleaned: dict[str, Any] = {}
    for code in values:
        if code not in schema:
            known = ", ".join(sorted(schema)) or "none"
            errors.append(
                f"“{code}” is not an attribute of this product type at {level} level (known: {known})"
            )
    for code, definition in schema.items():
        if code not in values or values[code] in (None, ""):
            if definition.is_required:
                errors.append(f"“{definition.name}” ({code}) is required")
            continue
        try:
            cleaned[code] = _coerce(definition, values[code])
        except ValueError as expected:
            errors.append(f"“{definition.name}” ({code}) must be {expected}, not {values[code]!r}")
    if errors:
        raise InvalidAttributes("; ".join(errors) + ".", field="attributes")
    return cleaned
