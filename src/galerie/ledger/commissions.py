"""The commission terms a storefront set in the ledger (plan and overrides), read for a quote;
and the one write of a storefront's plan (:func:`commission_plan_set`).

The rule that turns them into each line's commission is :mod:`galerie.pricing.commissions`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from galerie.catalog.models import Category, Variant
from galerie.core.actors import Actor
from galerie.core.errors import InvalidInput
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
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


@transaction.atomic
def commission_plan_set(
    *,
    storefront_id: int,
    rate_bp: int,
    fixed_fee_minor: int = 0,
    on_shipping: bool = False,
    by: Actor | None = None,
) -> CommissionPlan:
    """Set the storefront's commission plan (created on first use); it applies to the orders
    placed from now on, each line keeping the terms it was placed under. Locks the storefront's
    row; raises InvalidInput for a rate above 100 % or a negative fee."""
    errors: dict[str, list[str]] = {}
    if not 0 <= rate_bp <= 10000:
        errors["rate_bp"] = ["The commission rate is between 0 and 100 %."]
    if fixed_fee_minor < 0:
        errors["fixed_fee_minor"] = ["The fixed fee cannot be negative."]
    if errors:
        raise InvalidInput(errors)
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    plan, _ = CommissionPlan.objects.update_or_create(
        storefront=storefront,
        defaults={"rate_bp": rate_bp, "fixed_fee_minor": fixed_fee_minor, "on_shipping": on_shipping},
    )
    emit(
        "commission_plan.set",
        storefront_id=storefront.pk,
        rate_bp=rate_bp,
        fixed_fee_minor=fixed_fee_minor,
        on_shipping=on_shipping,
    )
    return plan
