"""Shapes shared by every router: money, the error body, the responses an operation declares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field, field_validator

from galerie.api.errors import ERROR_STATUSES, ErrorBody
from galerie.core.money import Money as DomainMoney
from galerie.core.money import MoneyError


class Money(Schema):
    """An amount in minor units (cents) with its ISO 4217 currency: never a float."""

    amount: int
    currency: str = Field(pattern="^[A-Z]{3}$", description="ISO 4217, e.g. EUR.")

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, currency: str) -> str:
        try:  # the domain's list: a code it does not know is refused here (422), not in a service (500)
            DomainMoney(0, currency)
        except MoneyError:
            raise ValueError(f"{currency!r} is not an ISO 4217 currency code.") from None
        return currency


class Days(Schema):
    """A delivery estimate in days (lead time plus transit): from ``min`` to ``max``."""

    min: int
    max: int


def _in_utc(value: datetime) -> datetime:
    # PostgreSQL takes offsets up to ±15:59 only (ISO 8601 allows ±23:59): the same instant in UTC.
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("This date and time is out of range.") from None


UtcDatetime = Annotated[datetime, AfterValidator(_in_utc)]
"""A date and time given in input (a filter): any offset, compared in UTC."""


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": int(amount), "currency": currency}


def replies(ok: Any, *, status: int = 200, errors: tuple[int, ...] = ERROR_STATUSES) -> dict[int, Any]:
    """The responses of an operation: ``ok`` for ``status``, the error body for every failure."""
    return {status: ok, **{code: ErrorBody for code in errors}}
