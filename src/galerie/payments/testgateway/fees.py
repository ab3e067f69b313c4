"""The test provider's fee on a capture: a percentage of the captured amount plus a fixed part.

``settings.GALERIE_TEST_GATEWAY_FEE`` (environment variable of the same name) reads like a
provider's price list: ``"1.5%+0.25"`` is 1.5 % of the capture plus 0.25 in the payment's
currency (25 cents in euros), the standard European card price of the large providers;
``"2.9%"``, ``"0.30"`` and ``"0"`` (no fee) work too. Parsed with Decimal, never floats; the
percentage to basis points, the fixed part per currency to minor units. See docs/payments.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings

from galerie.core.money import MoneyError, minor_unit_exponent, round_half_up

DEFAULT_FEE = "1.5%+0.25"
_FEE = re.compile(r"^\s*(?:(?P<percent>\d+(?:\.\d+)?)\s*%)?\s*\+?\s*(?P<fixed>\d+(?:\.\d+)?)?\s*$")


@dataclass(frozen=True)
class FeeSchedule:
    """A percentage in basis points (150 = 1.5 %) plus a fixed amount in the currency's unit."""

    rate_bp: int
    fixed: Decimal

    def fee_minor(self, amount_minor: int, currency: str) -> int:
        """The fee on a capture of ``amount_minor``, in minor units, never more than the capture."""
        if amount_minor <= 0:
            return 0
        exponent = minor_unit_exponent(currency)
        fixed = round_half_up(Fraction(self.fixed.scaleb(exponent)))
        return min(amount_minor, round_half_up(Fraction(amount_minor * self.rate_bp, 10000)) + fixed)


def fee_parse(text: str) -> FeeSchedule:
    """Read ``"1.5%+0.25"``; raise MoneyError naming the setting when it is not such a price."""
    match = _FEE.match(text or "")
    if not text.strip() or match is None or not (match["percent"] or match["fixed"]):
        raise MoneyError(
            f"GALERIE_TEST_GATEWAY_FEE={text!r} is not a fee: write a percentage and/or a fixed"
            " amount, e.g. “1.5%+0.25”, “2.9%”, “0.30” or “0”."
        )
    try:
        percent = Decimal(match["percent"] or "0")
        fixed = Decimal(match["fixed"] or "0")
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        raise MoneyError(f"GALERIE_TEST_GATEWAY_FEE={text!r} is not a fee.") from None
    rate_bp = percent * 100
    if rate_bp != rate_bp.to_integral_value() or rate_bp > 10000:
        raise MoneyError(
            f"GALERIE_TEST_GATEWAY_FEE={text!r}: the percentage takes at most two decimals and 100 %."
        )
    return FeeSchedule(rate_bp=int(rate_bp), fixed=fixed)


def fee_schedule() -> FeeSchedule:
    """The fee schedule the settings give (``DEFAULT_FEE`` when unset)."""
    return fee_parse(str(getattr(settings, "GALERIE_TEST_GATEWAY_FEE", DEFAULT_FEE)))
