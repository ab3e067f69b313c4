"""Shapes shared by every router: money, the error body, the responses an operation declares."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from galerie.api.errors import ERROR_STATUSES, ErrorBody


class Money(Schema):
    """An amount in minor units (cents) with its ISO 4217 currency: never a float."""

    amount: int
    currency: str


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": int(amount), "currency": currency}


def replies(ok: Any, *, status: int = 200, errors: tuple[int, ...] = ERROR_STATUSES) -> dict[int, Any]:
    """The responses of an operation: ``ok`` for ``status``, the error body for every failure."""
    return {status: ok, **{code: ErrorBody for code in errors}}
