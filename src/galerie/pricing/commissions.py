"""Commissions: what the operator keeps of each order line, computed once, at order time.

Precedence of the rate, for a line of seller S in category C of storefront F:
the override for S in F, else the override of C's nearest ancestor-or-self in F, else F's plan,
else zero. The fixed fee per line and the shipping switch come from F's plan only. VAT on the
commission is charged at the operator's standard rate on each seller order's commission total,
then split over its lines by the largest-remainder method. See docs/ledger.md.

The rule is pure: the ledger, which keeps the plans and overrides, reads them into
:class:`CommissionTerms` (``ledger.commissions.commission_terms_for_quote``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings

from galerie.catalog.models import TaxClass
from galerie.catalog.tax import vat_rate_bp
from galerie.core.money import Money, round_half_up
from galerie.pricing.quote import Quote


@dataclass(frozen=True)
class LineCommission:
    rate_bp: int
    fixed_fee_minor: int
    commission_minor: int  # rate × line total + fixed fee, VAT excluded
    shipping_commission_minor: int  # this line's share of the commission on shipping
    vat_rate_bp: int
    vat_minor: int  # this line's share of the VAT on the seller order's commission

    @property
    def total_minor(self) -> int:
        """What the seller is charged for this line: commission, shipping commission and VAT."""
        return self.commission_minor + self.shipping_commission_minor + self.vat_minor


@dataclass(frozen=True)
class CommissionTerms:
    """What a storefront charges the sellers of one quote.

    ``plan_rate_bp``, ``fixed_fee_minor`` and ``on_shipping`` are the storefront's plan (zero and
    False without one); ``seller_rates`` maps a seller id to its override; ``category_rates`` maps a
    variant id to the override of its category's nearest ancestor-or-self, when there is one.
    """

    plan_rate_bp: int = 0
    fixed_fee_minor: int = 0
    on_shipping: bool = False
    seller_rates: Mapping[int, int] = field(default_factory=dict)
    category_rates: Mapping[int, int] = field(default_factory=dict)


def _of(amount_minor: int, rate_bp: int) -> int:
    return round_half_up(Fraction(amount_minor * rate_bp, 10000))


def _split(total: int, weights: list[int], currency: str) -> list[int]:
    if total == 0 or not any(weights):
        return [0] * len(weights)
    return [m.amount_minor for m in Money(total, currency).allocate(weights)]


def commission_vat_rate_bp() -> int:
    """Return the operator's standard VAT rate, which applies to the commission it invoices."""
    return vat_rate_bp(TaxClass.STANDARD, getattr(settings, "GALERIE_OPERATOR_COUNTRY", "FR"))


def commissions_compute(*, quote: Quote, terms: CommissionTerms) -> list[list[LineCommission]]:
    """Compute each line's commission, group by group and line by line in the quote's order."""
    base_rate, fixed_fee = terms.plan_rate_bp, terms.fixed_fee_minor
    vat_bp = commission_vat_rate_bp()
    result = []
    for group in quote.groups:
        seller_rate = terms.seller_rates.get(group.seller_id)
        rates, items = [], []
        for line in group.lines:
            rate = seller_rate
            if rate is None:
                rate = terms.category_rates.get(line.variant_id, base_rate)
            rates.append(rate)
            # Never more than the line itself: a fixed fee cannot make a cheap line cost the seller.
            items.append(min(_of(line.total_minor, rate) + fixed_fee, line.total_minor))
        shipping_commission = 0
        if terms.on_shipping:
            shipping_commission = _of(group.shipping_minor, base_rate if seller_rate is None else seller_rate)
        weights = [line.total_minor for line in group.lines]
        shipping_parts = _split(shipping_commission, weights, quote.currency)
        net = [i + s for i, s in zip(items, shipping_parts, strict=True)]
        vat_parts = _split(_of(sum(net), vat_bp), net, quote.currency)
        result.append(
            [
                LineCommission(
                    rate_bp=rate,
                    fixed_fee_minor=min(fixed_fee, item),
                    commission_minor=item,
                    shipping_commission_minor=ship,
                    vat_rate_bp=vat_bp,
                    vat_minor=vat,
                )
                for rate, item, ship, vat in zip(rates, items, shipping_parts, vat_parts, strict=True)
            ]
        )
    return result
