"""VAT rates by tax class. Shop prices include VAT; the VAT part is taken out of them.

France's rates (CGI art. 278 ff.): the marketplace's storefronts sell to French customers.
Another country's rates go here when a storefront sells there (docs/vat.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from galerie.catalog.models import TaxClass
from galerie.core.money import round_half_up, split_largest_remainder

# Basis points: 2000 = 20 %.
VAT_RATES_BP: dict[str, dict[str, int]] = {
    "FR": {
        TaxClass.STANDARD: 2000,
        TaxClass.REDUCED: 1000,
        TaxClass.SUPER_REDUCED: 550,
        TaxClass.ZERO: 0,
    },
}
# Delivery charged alone (no goods to follow) is taxed at the standard rate.
SHIPPING_TAX_CLASS = TaxClass.STANDARD


def vat_rate_bp(tax_class: str, country: str = "FR") -> int:
    """Return the VAT rate of a tax class in basis points."""
    return VAT_RATES_BP[country][tax_class]


def vat_included(gross_minor: int, rate_bp: int) -> int:
    """Return the VAT contained in a VAT-inclusive amount, rounded half up to the minor unit."""
    return round_half_up(Fraction(gross_minor * rate_bp, 10_000 + rate_bp))


def shipping_vat_parts(
    *, shipping_minor: int, lines: Sequence[tuple[int, int]], country: str = "FR"
) -> list[tuple[int, int, int]]:
    """Split a shipping charge by the VAT rates of the goods it delivers; return
    ``(rate_bp, shipping part, VAT in that part)`` per rate, highest rate first.

    ``lines`` are ``(rate_bp, amount_minor)`` of the goods. In France delivery charged with the
    goods is part of their taxable amount (CGI art. 267 I-2°) and follows their rate; when the
    goods mix rates, the charge is split pro rata of their amounts (docs/vat-on-shipping.md).
    The parts add up exactly to ``shipping_minor`` (largest remainder); each part's VAT is
    rounded half up. Without goods the standard rate applies; with goods worth nothing, the
    highest of their rates.
    """
    if shipping_minor == 0:
        return []
    by_rate: dict[int, int] = {}
    for rate, amount in lines:
        by_rate[rate] = by_rate.get(rate, 0) + amount
    weighted = sorted(((rate, amount) for rate, amount in by_rate.items() if amount > 0), reverse=True)
    if not weighted:
        rate = max(by_rate) if by_rate else vat_rate_bp(SHIPPING_TAX_CLASS, country)
        return [(rate, shipping_minor, vat_included(shipping_minor, rate))]
    parts = split_largest_remainder(shipping_minor, [amount for _, amount in weighted])
    return [
        (rate, part, vat_included(part, rate))
        for (rate, _), part in zip(weighted, parts, strict=True)
        if part
    ]
