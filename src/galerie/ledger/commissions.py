"""Commissions: what the operator keeps of each order line, computed once, at order time.

Precedence of the rate, for a line of seller S in category C of storefront F:
the override for S in F, else the override of C's nearest ancestor-or-self in F, else F's plan,
else zero. The fixed fee per line and the shipping switch come from F's plan only. VAT on the
commission is charged at the operator's standard rate on each seller order's commission total,
then split over its lines by the largest-remainder method. See docs/ledger.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings

from galerie.catalog.models import Category, TaxClass, Variant
from galerie.catalog.tax import vat_rate_bp
from galerie.checkout.quote import Quote
from galerie.core.money import Money, round_half_up
from galerie.ledger.models import CommissionOverride, CommissionPlan
from galerie.storefronts.models import Storefront


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


def _of(amount_minor: int, rate_bp: int) -> int:
    return round_half_up(Fraction(amount_minor * rate_bp, 10000))


def _split(total: int, weights: list[int], currency: str) -> list[int]:
    if total == 0 or not any(weights):
        return [0] * len(weights)
    return [m.amount_minor for m in Money(total, currency).allocate(weights)]


def commission_vat_rate_bp() -> int:
    """Return the operator's standard VAT rate, which applies to the commission it invoices."""
    return vat_rate_bp(TaxClass.STANDARD, getattr(settings, "GALERIE_OPERATOR_COUNTRY", "FR"))


def _category_rates(storefront: Storefront, category_ids: set[int]) -> dict[int, int]:
    """Map each category to the rate of its nearest ancestor-or-self with an override."""
    paths = dict(Category.objects.filter(pk__in=category_ids).values_list("pk", "path"))
    step = Category.steplen
    prefixes = {path[:n] for path in paths.values() for n in range(step, len(path) + 1, step)}
    by_path = dict(
        CommissionOverride.objects.filter(storefront=storefront, category__path__in=prefixes).values_list(
            "category__path", "rate_bp"
        )
    )
    rates = {}
    for pk, path in paths.items():
        for n in range(len(path), 0, -step):
            if path[:n] in by_path:
                rates[pk] = by_path[path[:n]]
                break
    return rates


def commissions_for_quote(*, storefront: Storefront, quote: Quote) -> list[list[LineCommission]]:
    """Compute each line's commission, group by group and line by line in the quote's order."""
    plan = CommissionPlan.objects.filter(storefront=storefront).first()
    base_rate = plan.rate_bp if plan else 0
    fixed_fee = plan.fixed_fee_minor if plan else 0
    seller_rates = dict(
        CommissionOverride.objects.filter(
            storefront=storefront, seller_id__in={g.seller_id for g in quote.groups}
        ).values_list("seller_id", "rate_bp")
    )
    variant_ids = {line.variant_id for g in quote.groups for line in g.lines}
    category_of = dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "product__category_id"))
    category_rates = _category_rates(storefront, set(category_of.values()))
    vat_bp = commission_vat_rate_bp()
    result = []
    for group in quote.groups:
        seller_rate = seller_rates.get(group.seller_id)
        rates, items = [], []
        for line in group.lines:
            rate = seller_rate
            if rate is None:
                rate = category_rates.get(category_of.get(line.variant_id), base_rate)
            rates.append(rate)
            # Never more than the line itself: a fixed fee cannot make a cheap line cost the seller.
            items.append(min(_of(line.total_minor, rate) + fixed_fee, line.total_minor))
        shipping_commission = 0
        if plan and plan.on_shipping:
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
