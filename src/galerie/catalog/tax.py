"""VAT rates by tax class. Shop prices include VAT; the VAT part is taken out of them.

France's rates (CGI art. 278 ff.): the marketplace's storefronts sell to French customers.
Another country's rates go here when a storefront sells there (docs/vat.md).
"""

from __future__ import annotations

from fractions import Fraction

from galerie.catalog.models import TaxClass
from galerie.core.money import round_half_up

# Basis points: 2000 = 20 %.
VAT_RATES_BP: dict[str, dict[str, int]] = {
    "FR": {
        TaxClass.STANDARD: 2000,
        TaxClass.REDUCED: 1000,
        TaxClass.SUPER_REDUCED: 550,
        TaxClass.ZERO: 0,
    },
}
SHIPPING_TAX_CLASS = TaxClass.STANDARD


def vat_rate_bp(tax_class: str, country: str = "FR") -> int:
    """Return the VAT rate of a tax class in basis points."""
    return VAT_RATES_BP[country][tax_class]


def vat_included(gross_minor: int, rate_bp: int) -> int:
    """Return the VAT contained in a VAT-inclusive amount, rounded half up to the minor unit."""
    return round_half_up(Fraction(gross_minor * rate_bp, 10_000 + rate_bp))
