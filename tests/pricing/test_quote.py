"""The pricing of a checkout: VAT and shipping per seller, in integer minor units."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galerie.catalog.models import TaxClass
from galerie.catalog.tax import shipping_vat_parts, vat_included
from galerie.offers.models import Offer
from galerie.pricing.quote import (
    Quote,
    QuoteGroup,
    QuoteLine,
    quote_build,
    quote_changes,
    quote_fingerprint,
    quote_from_json,
    quote_shown_read,
    quote_shown_token,
    quote_snapshot,
)
from galerie.pricing.shipping import ShippingRule
from galerie.sellers.models import ShippingProfile
from tests.factories import make_offer, make_product, make_product_type, make_seller, make_variant

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


# --- VAT on shipping follows the goods (docs/vat-on-shipping.md) ---------------------------


def test_shipping_of_books_is_taxed_at_the_books_rate():
    # 5.99 € of delivery with 19.90 € of books: 5.5 % of VAT in it, not 20 %.
    assert shipping_vat_parts(shipping_minor=599, lines=[(550, 1990)]) == [(550, 599, 31)]


def test_shipping_of_a_mixed_order_is_split_pro_rata_of_the_lines_to_the_cent():
    # 20.00 € of books (5.5 %) and 10.00 € of stationery (20 %), 5.99 € of delivery:
    # 599 × 10/30 = 199.67 and 599 × 20/30 = 399.33; the cent left goes to the larger remainder.
    parts = shipping_vat_parts(shipping_minor=599, lines=[(550, 2000), (2000, 1000)])
    assert parts == [(2000, 200, 33), (550, 399, 21)]  # 200 × 20/120 = 33.33; 399 × 5.5/105.5 = 20.80


def test_free_shipping_has_no_vat_and_shipping_alone_takes_the_standard_rate():
    assert shipping_vat_parts(shipping_minor=0, lines=[(550, 1990)]) == []
    assert shipping_vat_parts(shipping_minor=600, lines=[]) == [(2000, 600, 100)]
    assert shipping_vat_parts(shipping_minor=600, lines=[(550, 0), (1000, 0)]) == [(1000, 600, 55)]


@given(
    st.integers(min_value=0, max_value=10**7),
    st.lists(st.tuples(rates, st.integers(min_value=0, max_value=10**8)), min_size=1, max_size=8),
)
def test_shipping_vat_parts_add_up_and_each_is_within_a_cent_of_the_exact_share(shipping, lines):
    parts = shipping_vat_parts(shipping_minor=shipping, lines=lines)

    assert sum(part for _, part, _ in parts) == shipping  # no cent lost or made
    assert len({rate for rate, _, _ in parts}) == len(parts)  # one part per rate
    goods = sum(amount for _, amount in lines)
    for rate, part, vat in parts:
        assert 0 <= vat <= part
        if goods:
            of_rate = sum(amount for r, amount in lines if r == rate)
            exact = Fraction(shipping * of_rate, goods) * Fraction(rate, 10_000 + rate)
            assert abs(vat - exact) <= 1


@pytest.mark.django_db
def test_a_seller_order_of_books_and_stationery_carries_shipping_vat_pro_rata():
    seller = make_seller()
    ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=599)
    books = make_product_type(tax_class=TaxClass.SUPER_REDUCED)
    book = make_offer(seller=seller, variant=make_variant(product=make_product(product_type=books)))
    pen = make_offer(
        seller=seller,
        variant=make_variant(product=make_product(product_type=make_product_type(tax_class="standard"))),
    )
    offers = {o.pk: o for o in Offer.objects.select_related("variant__product__product_type", "seller")}

    quote = quote_build(currency="EUR", entries=[(offers[book.pk], 1), (offers[pen.pk], 1)])
    books_only = quote_build(currency="EUR", entries=[(offers[book.pk], 2)])

    (group,) = quote.groups
    assert [(line.vat_rate_bp, line.vat_minor) for line in group.lines] == [(550, 104), (2000, 332)]
    # 1990 + 1990: the delivery splits 300 / 299 (equal remainders: the first rate gets the cent).
    assert [(p.vat_rate_bp, p.shipping_minor, p.vat_minor) for p in group.shipping_vat] == [
        (2000, 300, 50),
        (550, 299, 16),
    ]
    assert group.vat_minor == 104 + 332 + 50 + 16
    assert quote.as_json()["groups"][0]["shipping_vat"][1] == {
        "vat_rate_bp": 550,
        "shipping_minor": 299,
        "vat_minor": 16,
    }
    (only,) = books_only.groups
    assert only.vat_minor == 207 + 31  # 39.80 € of books at 5.5 %, and 5.99 € of delivery at 5.5 %
    # What a checkout attempt keeps (JSON, through the database) gives the same quote back.
    for kept in (quote, books_only):
        assert quote_from_json(json.loads(json.dumps(kept.as_json()))) == kept
    older = quote.as_json()
    del older["groups"][0]["items_minor"]
    assert quote_from_json(older) is None  # kept before the JSON held every figure


@pytest.mark.django_db
def test_lines_priced_at_given_unit_prices_and_shipping_leave_the_offers_as_they_are():
    seller = make_seller()
    ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=599)
    cheap, dear = make_offer(seller=seller, price_minor=1000), make_offer(seller=seller, price_minor=2500)
    offers = {o.pk: o for o in Offer.objects.select_related("variant__product__product_type", "seller")}

    quote = quote_build(
        currency="EUR",
        entries=[(offers[cheap.pk], 2), (offers[dear.pk], 1)],
        unit_prices={cheap.pk: 900},  # the price the customer agreed to; dear keeps its own
        shipping_by_seller={seller.pk: 0},
    )

    (group,) = quote.groups
    assert [(line.unit_price_minor, line.total_minor) for line in group.lines] == [(900, 1800), (2500, 2500)]
    assert (group.items_minor, group.shipping_minor, quote.total_minor) == (4300, 0, 4300)
    assert (offers[cheap.pk].price_minor, offers[dear.pk].price_minor) == (1000, 2500)


# --- The fingerprint of what the checkout page showed (docs/checkout-price-changes.md) --------


def _quote(groups) -> Quote:
    """A quote from ``[(seller_id, shipping, [(offer_id, quantity, unit price)])]``."""
    built = []
    for seller_id, shipping, rows in groups:
        lines = tuple(
            QuoteLine(offer_id=o, seller_id=seller_id, variant_id=o, product_title=f"P{o}", variant_name="",
                      condition="new", seller_sku="", quantity=q, unit_price_minor=u, total_minor=q * u,
                      tax_class="standard", vat_rate_bp=2000, vat_minor=vat_included(q * u, 2000))
            for o, q, u in rows
        )  # fmt: skip
        items = sum(line.total_minor for line in lines)
        built.append(
            QuoteGroup(
                seller_id=seller_id,
                lines=lines,
                items_minor=items,
                quantity=sum(q for _, q, _ in rows),
                shipping_minor=shipping,
                vat_minor=sum(line.vat_minor for line in lines),
                delivery_days=(2, 4),
                free_shipping_above_minor=None,
            )
        )
    return Quote(currency="EUR", groups=tuple(built))


rows_ = st.lists(
    st.tuples(st.integers(1, 10**6), st.integers(1, 5), st.integers(1, 10**5)),
    min_size=1,
    max_size=4,
    unique_by=lambda row: row[0],
)
quotes = st.lists(
    st.tuples(st.integers(1, 50), st.integers(0, 2000), rows_),
    min_size=1,
    max_size=4,
    unique_by=lambda group: group[0],
).filter(  # an offer belongs to one seller
    lambda groups: len({o for _, _, rows in groups for o, _, _ in rows}) == sum(len(r) for _, _, r in groups)
)
mutations = st.sampled_from(["price_up", "price_down", "quantity", "shipping", "remove"])


@given(quotes, mutations, st.randoms(use_true_random=False))
def test_any_change_of_what_is_paid_changes_the_fingerprint_and_is_listed(groups, mutation, rnd):
    shown = _quote(groups)
    same_reordered = _quote([(s, sh, list(reversed(rows))) for s, sh, rows in reversed(groups)])
    assert quote_fingerprint(same_reordered) == quote_fingerprint(shown)
    assert quote_changes(shown=quote_snapshot(shown), quote=same_reordered) == []

    g = rnd.randrange(len(groups))
    seller, shipping, rows = groups[g]
    i = rnd.randrange(len(rows))
    offer, quantity, unit = rows[i]
    changed_rows = list(rows)
    if mutation == "price_up":
        changed_rows[i] = (offer, quantity, unit + 1)
    elif mutation == "price_down" and unit > 1:
        changed_rows[i] = (offer, quantity, unit - 1)
    elif mutation == "quantity":
        changed_rows[i] = (offer, quantity + 1, unit)
    elif mutation == "remove" and len(rows) > 1:
        del changed_rows[i]
    else:
        shipping += 1
    now = _quote([*groups[:g], (seller, shipping, changed_rows), *groups[g + 1 :]])

    assert quote_fingerprint(now) != quote_fingerprint(shown)
    changes = quote_changes(shown=quote_shown_read(quote_shown_token(shown)), quote=now)
    assert len(changes) == 1
    kind = {"price_up": "price", "price_down": "price", "quantity": "quantity", "remove": "removed"}
    assert changes[0].kind in (kind.get(mutation), "shipping")
