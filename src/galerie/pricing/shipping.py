"""Shipping cost of one seller's part of an order: a pure function of the profile and the lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# When a seller has set no profile: a flat rate, 2–4 days in transit.
DEFAULT_BASE_MINOR = 490
DEFAULT_TRANSIT = (2, 4)


class ShippingTerms(Protocol):
    """What a rule is made of: a ShippingProfile row, or a lighter row with the same fields."""

    @property
    def kind(self) -> str: ...
    @property
    def base_minor(self) -> int: ...
    @property
    def per_item_minor(self) -> int: ...
    @property
    def free_above_minor(self) -> int | None: ...
    @property
    def transit_days_min(self) -> int: ...
    @property
    def transit_days_max(self) -> int: ...


@dataclass(frozen=True)
class ShippingRule:
    kind: str = "flat"
    base_minor: int = DEFAULT_BASE_MINOR
    per_item_minor: int = 0
    free_above_minor: int | None = None
    transit_days_min: int = DEFAULT_TRANSIT[0]
    transit_days_max: int = DEFAULT_TRANSIT[1]

    @classmethod
    def of(cls, profile: ShippingTerms | None) -> ShippingRule:
        """The rule of a ShippingProfile row (or a row with its fields), or the default when
        there is none."""
        if profile is None:
            return cls()
        return cls(
            kind=profile.kind,
            base_minor=profile.base_minor,
            per_item_minor=profile.per_item_minor,
            free_above_minor=profile.free_above_minor,
            transit_days_min=profile.transit_days_min,
            transit_days_max=profile.transit_days_max,
        )

    def cost(self, *, items_minor: int, quantity: int) -> int:
        """Return the shipping in minor units for ``quantity`` items worth ``items_minor``."""
        if quantity <= 0:
            return 0
        if self.free_above_minor is not None and items_minor >= self.free_above_minor:
            return 0
        if self.kind == "per_item":
            return self.base_minor + self.per_item_minor * (quantity - 1)
        return self.base_minor

    def delivery_days(self, lead_time_days: int) -> tuple[int, int]:
        """Working days from order to delivery: the seller's dispatch time plus the transit."""
        return lead_time_days + self.transit_days_min, lead_time_days + self.transit_days_max
