"""The commission terms a storefront set in the ledger (plan and overrides), read for a quote.

The rule that turns them into each line's commission is :mod:`galerie.pricing.commissions`.
"""

from __future__ import annotations

from django.db.models import Q

from galerie.catalog.models import Category, Variant
from galerie.ledger.models import CommissionOverride, CommissionPlan
from galerie.pricing.commissions import CommissionTerms, LineCommission, commissions_compute
from galerie.pricing.quote import Quote
from galerie.storefronts.models import Storefront


def _category_rates(by_path: dict[str, int], paths: dict[int, str]) -> dict[int, int]:
    """Map each category (id → its tree path) to the rate of its nearest ancestor-or-self with
    an override (``by_path``: the overrides' category paths and rates)."""
    step = Category.steplen
    rates = {}
    for pk, path in paths.items():
        for n in range(len(path), 0, -step):
            if path[:n] in by_path:
                rates[pk] = by_path[path[:n]]
                break
    return rates


def commission_terms_for_quote(*, storefront: Storefront, quote: Quote) -> CommissionTerms:
    """Return the storefront's plan and the overrides that apply to the quote's sellers and lines.

    Three queries: the plan, the lines' categories, and the overrides of the quote's sellers
    and of those categories and their ancestors together."""
    plan = (
        CommissionPlan.objects.filter(storefront=storefront)
        .values_list("rate_bp", "fixed_fee_minor", "on_shipping")
        .first()
    )
    variant_ids = {line.variant_id for g in quote.groups for line in g.lines}
    rows = Variant.objects.filter(pk__in=variant_ids).values_list(
        "pk", "product__category_id", "product__category__path"
    )
    category_of = {variant_id: category_id for variant_id, category_id, _ in rows}
    paths = {category_id: path for _, category_id, path in rows if category_id is not None}
    step = Category.steplen
    prefixes = {path[:n] for path in paths.values() for n in range(step, len(path) + 1, step)}
    seller_rates: dict[int, int] = {}
    by_path: dict[str, int] = {}
    overrides = CommissionOverride.objects.filter(storefront=storefront).filter(
        Q(seller_id__in={g.seller_id for g in quote.groups}) | Q(category__path__in=prefixes)
    )
    # An override names a seller or a category, never both (a CHECK constraint).
    for seller_id, path, rate_bp in overrides.values_list("seller_id", "category__path", "rate_bp"):
        if seller_id is not None:
            seller_rates[seller_id] = rate_bp
        elif path is not None:
            by_path[path] = rate_bp
    category_rates = _category_rates(by_path, paths)
    return CommissionTerms(
        plan_rate_bp=plan[0] if plan else 0,
        fixed_fee_minor=plan[1] if plan else 0,
        on_shipping=bool(plan and plan[2]),
        seller_rates=seller_rates,
        category_rates={
            variant_id: category_rates[category_id]
            for variant_id, category_id in category_of.items()
            if category_id in category_rates
        },
    )


def commissions_for_quote(*, storefront: Storefront, quote: Quote) -> list[list[LineCommission]]:
    """Compute each line's commission under the storefront's terms, in the quote's order."""
    return commissions_compute(
        quote=quote, terms=commission_terms_for_quote(storefront=storefront, quote=quote)
    )
