"""Money: an integer number of minor units (cents) and an ISO 4217 currency.

Never a float. Amounts in different currencies never mix. Rounding happens in one
place (:func:`round_half_up`) and splits use the largest-remainder method so that no
cent appears or disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import NamedTuple

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
)


class MoneyError(ValueError):
    pass


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@cache
def minor_unit_exponent(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has (EUR 2, JPY 0)."""
    return get_currency_precision(currency)


def round_half_up(value: Fraction) -> int:
    """Round an exact fraction of minor units to an integer, halves away from zero."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * rest >= magnitude.denominator:
        whole += 1
    return sign * whole


def split_largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Split an integer amount into parts proportional to non-negative integer ``weights``
    (not all zero); the parts add up exactly to ``amount``.

    Each part gets the floor of its share, then the units left over go one each to the parts
    with the largest remainders (earliest first on ties).
    """
    total = sum(weights)
    sign = -1 if amount < 0 else 1
    magnitude = abs(amount)
    shares = [divmod(magnitude * w, total) for w in weights]
    parts = [q for q, _ in shares]
    left = magnitude - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


@dataclass(frozen=True, slots=True, order=False)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise MoneyError(
                f"Money takes an integer number of minor units, not {type(self.amount_minor).__name__}"
                f" ({self.amount_minor!r})."
            )
        if not isinstance(self.currency, str) or self.currency not in _known_currencies():
            raise MoneyError(f"{self.currency!r} is not an ISO 4217 currency code.")

    # --- construction ------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str | Decimal, currency: str) -> Money:
        """Read a decimal amount ("12.90" or "12,90"); refuse more decimals than the currency has."""
        if isinstance(text, float):
            raise MoneyError("Money refuses floats: pass a string or a Decimal.")
        raw = str(text).strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise MoneyError(f"{text!r} is not an amount.") from None
        if not value.is_finite():
            raise MoneyError(f"{text!r} is not an amount.")
        exponent = minor_unit_exponent(currency)
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{text!r} has more than {exponent} decimal places for {currency}.")
        return cls(int(scaled), currency)

    # --- arithmetic --------------------------------------------------------------
    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount_minor + self._same(other).amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount_minor - self._same(other).amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise MoneyError("Money is multiplied by whole numbers only; use apply_rate() for rates.")
        return Money(self.amount_minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount_minor < self._same(other).amount_minor

    def __le__(self, other: Money) -> bool:
        return self.amount_minor <= self._same(other).amount_minor

    def __gt__(self, other: Money) -> bool:
        return self.amount_minor > self._same(other).amount_minor

    def __ge__(self, other: Money) -> bool:
        return self.amount_minor >= self._same(other).amount_minor

    def __bool__(self) -> bool:
        return self.amount_minor != 0

    def apply_rate(self, rate: Decimal | Fraction | str) -> Money:
        """Return this amount times ``rate`` (e.g. Decimal("0.15")), rounded half up."""
        if isinstance(rate, float):
            raise MoneyError("rates are Decimal or Fraction, never float")
        return Money(round_half_up(Fraction(self.amount_minor) * Fraction(rate)), self.currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights``; the parts add up exactly to self.

        Largest-remainder method: each part gets the floor of its share, then the cents
        left over go one each to the parts with the largest remainders (earliest first on ties).
        """
        if not weights or any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights):
            raise MoneyError("weights must be non-negative integers")
        if sum(weights) == 0:
            raise MoneyError("weights must not all be zero")
        return [Money(part, self.currency) for part in split_largest_remainder(self.amount_minor, weights)]

    # --- display -----------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-minor_unit_exponent(self.currency))

    def format(self, locale: str = "en") -> str:
        """Return the amount as the locale writes it: "12,90 €" in French, "€12.90" in English."""
        return format_minor(self.amount_minor, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"


class _CurrencyFormat(NamedTuple):
    """What Babel's standard currency pattern of one (locale, currency) resolves to."""

    prefixes: tuple[str, str]  # (positive, negative), currency symbol in place
    suffixes: tuple[str, str]
    group: str
    decimal: str
    grouping: tuple[int, int]  # (first group from the right, the groups after it)
    min_digits: int  # integer digits, zero-padded
    exponent: int  # the currency's decimal places


# Past this, Babel's Decimal arithmetic (28 digits) decides; no price comes near it.
_FAST_LIMIT = 10**18


@cache
def _currency_format(currency: str, locale: str) -> _CurrencyFormat | None:
    """Resolve Babel's pattern, symbols and precision once per (currency, locale); None when the
    pattern is one the fast path does not reproduce (scientific, significant digits, currency
    name, quoted text), so that Babel formats it."""
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"]
    group, decimal = get_group_symbol(parsed), get_decimal_symbol(parsed)
    affixes = (*pattern.prefix, *pattern.suffix)
    if (
        pattern.exp_prec
        or pattern.scale
        or "@" in pattern.pattern
        or not pattern.number_pattern
        or any("'" in text or "¤¤" in text for text in (*affixes, group, decimal))
    ):
        return None
    symbol = get_currency_symbol(currency, parsed)
    if "'" in symbol:
        return None
    prefixes = tuple(p.replace("¤", symbol) for p in pattern.prefix)
    suffixes = tuple(s.replace("¤", symbol) for s in pattern.suffix)
    return _CurrencyFormat(
        prefixes=(prefixes[0], prefixes[1]),
        suffixes=(suffixes[0], suffixes[1]),
        group=group,
        decimal=decimal,
        grouping=(pattern.grouping[0], pattern.grouping[1]),
        min_digits=pattern.int_prec[0],
        exponent=minor_unit_exponent(currency),
    )


def format_minor(amount_minor: int, currency: str, locale: str = "en") -> str:
    """Format minor units exactly as ``babel.numbers.format_currency`` does (standard pattern,
    the currency's digits), with the locale's pattern and symbols resolved once: string work on
    the integer instead of Decimal arithmetic and pattern parsing on every amount."""
    fmt = _currency_format(currency, locale)
    if fmt is None or not -_FAST_LIMIT < amount_minor < _FAST_LIMIT:
        return format_currency(Money(amount_minor, currency).to_decimal(), currency, locale=locale)
    negative = amount_minor < 0
    whole, fraction = divmod(-amount_minor if negative else amount_minor, 10**fmt.exponent)
    digits = str(whole).rjust(fmt.min_digits, "0")
    size = fmt.grouping[0]
    if len(digits) > size:
        groups = [digits[-size:]]
        digits = digits[:-size]
        size = fmt.grouping[1]
        while len(digits) > size:
            groups.append(digits[-size:])
            digits = digits[:-size]
        groups.append(digits)
        digits = fmt.group.join(reversed(groups))
    if fmt.exponent:
        digits = f"{digits}{fmt.decimal}{str(fraction).rjust(fmt.exponent, '0')}"
    return f"{fmt.prefixes[negative]}{digits}{fmt.suffixes[negative]}"
