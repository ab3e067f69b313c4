"""Commissions: rate precedence, fixed fee, shipping switch, VAT on the commission."""

from __future__ import annotations

import pytest

from galerie.ledger.commissions import commissions_for_quote
from galerie.ledger.models import CommissionOverride, CommissionPlan
from galerie.pricing.commissions import CommissionTerms, commissions_compute
from galerie.pricing.quote import Quote, QuoteGroup, QuoteLine
from tests.factories import make_category, make_product, make_seller, make_storefront, make_variant

pytestmark = pytest.mark.django_db


def line(variant, seller, total: int) -> QuoteLine:
    return QuoteLine(
        offer_id=0, seller_id=seller.pk, variant_id=variant.pk, product_title="x", variant_name="",
        condition="new", seller_sku="", quantity=1, unit_price_minor=total, total_minor=total,
        tax_class="standard", vat_rate_bp=2000, vat_minor=0,
    )  # fmt: skip


def quote(seller, lines, shipping: int = 0) -> Quote:
    group = QuoteGroup(
        seller_id=seller.pk, lines=tuple(lines), items_minor=sum(x.total_minor for x in lines),
        quantity=len(lines), shipping_minor=shipping, vat_minor=0, delivery_days=(1, 2),
        free_shipping_above_minor=None,
    )  # fmt: skip
    return Quote(currency="EUR", groups=(group,))


@pytest.fixture
def tree():
    root = make_category()
    child = make_category(parent=root)
    grandchild = make_category(parent=child)
    other = make_category()
    storefront = make_storefront(scope=[root, other])
    seller = make_seller(storefronts=[storefront])
    variants = {
        name: make_variant(product=make_product(category=c))
        for name, c in (("root", root), ("grandchild", grandchild), ("other", other))
    }
    return storefront, seller, root, child, variants


def rates(storefront, seller, variants) -> list[int]:
    lines = [line(variants[name], seller, 10000) for name in ("root", "grandchild", "other")]
    return [c.rate_bp for c in commissions_for_quote(storefront=storefront, quote=quote(seller, lines))[0]]


def test_no_plan_means_no_commission(tree):
    storefront, seller, _, _, variants = tree
    assert rates(storefront, seller, variants) == [0, 0, 0]


def test_precedence_seller_over_nearest_category_over_storefront(tree):
    storefront, seller, root, child, variants = tree
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000)
    assert rates(storefront, seller, variants) == [1000, 1000, 1000]
    CommissionOverride.objects.create(storefront=storefront, category=root, rate_bp=800)
    assert rates(storefront, seller, variants) == [800, 800, 1000]
    CommissionOverride.objects.create(storefront=storefront, category=child, rate_bp=500)
    assert rates(storefront, seller, variants) == [800, 500, 1000]  # nearest ancestor wins
    CommissionOverride.objects.create(storefront=storefront, seller=seller, rate_bp=300)
    assert rates(storefront, seller, variants) == [300, 300, 300]
    other_storefront = make_storefront(scope=[root])
    assert rates(other_storefront, seller, variants) == [0, 0, 0]  # overrides are per storefront


def test_fixed_fee_and_rounding_half_up_and_vat_on_the_total_commission(tree):
    storefront, seller, _, _, variants = tree
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1250, fixed_fee_minor=10)
    lines = [line(variants["root"], seller, 1004), line(variants["other"], seller, 1012)]
    result = commissions_for_quote(storefront=storefront, quote=quote(seller, lines))[0]
    # 12.5 % of 1004 = 125.5 → 126 (+10); of 1012 = 126.5 → 127 (+10)
    assert [c.commission_minor for c in result] == [136, 137]
    # VAT 20 % of 273 = 54.6 → 55, split 136:137 by largest remainder → 27.40/27.60 → 27 + 28
    assert [c.vat_minor for c in result] == [27, 28]
    assert [c.vat_rate_bp for c in result] == [2000, 2000]
    assert [c.fixed_fee_minor for c in result] == [10, 10]


def test_vat_rounds_half_up_on_the_seller_orders_commission():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000)
    # 10 % of 125 = 12.5 → 13; VAT 20 % of 13 = 2.6 → 3
    result = commissions_for_quote(
        storefront=storefront, quote=quote(seller, [line(make_variant(), seller, 125)])
    )
    assert (result[0][0].commission_minor, result[0][0].vat_minor) == (13, 3)


@pytest.mark.parametrize("on_shipping, expected", [(False, [0, 0]), (True, [34, 33])])
def test_commission_on_shipping_is_a_switch_and_is_split_over_the_lines(tree, on_shipping, expected):
    storefront, seller, _, _, variants = tree
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000, on_shipping=on_shipping)
    lines = [line(variants["root"], seller, 500), line(variants["other"], seller, 500)]
    result = commissions_for_quote(storefront=storefront, quote=quote(seller, lines, shipping=670))[0]
    assert [c.shipping_commission_minor for c in result] == expected  # 10 % of 670 = 67, split 1:1
    assert [c.commission_minor for c in result] == [50, 50]


def test_the_fixed_fee_never_exceeds_the_line(tree):
    storefront, seller, _, _, variants = tree
    CommissionPlan.objects.create(storefront=storefront, rate_bp=0, fixed_fee_minor=500)
    result = commissions_for_quote(
        storefront=storefront, quote=quote(seller, [line(variants["root"], seller, 300)])
    )
    assert result[0][0].commission_minor == 300


def test_the_rule_alone_takes_the_seller_rate_over_the_category_rate_over_the_plan():
    class Seller:
        pk = 7

    class Variant:
        def __init__(self, pk: int) -> None:
            self.pk = pk

    lines = [line(Variant(1), Seller, 1000), line(Variant(2), Seller, 1000)]
    terms = CommissionTerms(plan_rate_bp=1000, category_rates={1: 500})
    assert [c.rate_bp for c in commissions_compute(quote=quote(Seller, lines), terms=terms)[0]] == [500, 1000]
    terms = CommissionTerms(plan_rate_bp=1000, seller_rates={7: 200}, category_rates={1: 500})
    assert [c.rate_bp for c in commissions_compute(quote=quote(Seller, lines), terms=terms)[0]] == [200, 200]
    assert commissions_compute(quote=quote(Seller, lines), terms=CommissionTerms())[0][0].total_minor == 0
