"""The pricing of a checkout: VAT and shipping per seller, in integer minor units."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from galerie.catalog.tax import vat_included
from galerie.sellers.shipping import ShippingRule

amounts = st.integers(min_value=0, max_value=10**9)
rates = st.sampled_from([0, 550, 1000, 2000])


@given(amounts, rates)
def test_the_vat_in_a_price_is_the_exact_share_rounded_half_up(gross, rate):
    vat = vat_included(gross, rate)
    exact = Fraction(gross * rate, 10_000 + rate)
    assert abs(vat - exact) <= Fraction(1, 2)
    assert 0 <= vat <= gross
    if rate == 0:
        assert vat == 0


@given(
    st.sampled_from(["flat", "per_item"]),
    st.integers(0, 5000),
    st.integers(0, 500),
    st.one_of(st.none(), st.integers(1, 20000)),
    amounts,
    st.integers(1, 99),
)
def test_shipping_follows_the_profile(kind, base, per_item, free_above, items, quantity):
    rule = ShippingRule(kind=kind, base_minor=base, per_item_minor=per_item, free_above_minor=free_above)
    cost = rule.cost(items_minor=items, quantity=quantity)
    if free_above is not None and items >= free_above:
        assert cost == 0
    elif kind == "flat":
        assert cost == base
    else:
        assert cost == base + per_item * (quantity - 1)
    assert rule.cost(items_minor=items, quantity=0) == 0


def test_delivery_estimate_adds_transit_to_dispatch():
    assert ShippingRule(transit_days_min=2, transit_days_max=4).delivery_days(3) == (5, 7)
