"""The year's DAC7 figures from the ledger, per quarter, and the exclusion thresholds."""

from __future__ import annotations

import pytest

from galerie.dac7.figures import SellerFigures, dac7_figures
from galerie.dac7.models import SellerTaxProfile
from galerie.dac7.selectors import dac7_rows, exclusion_of
from galerie.ledger.models import AccountKind, JournalLine
from tests.dac7.conftest import local, sale
from tests.factories import make_seller

pytestmark = pytest.mark.django_db(transaction=True)


def test_quarters_commission_vat_and_a_refund(market):
    company, person = market.sellers
    # 20.00 € each; commission 10 % = 2.00 €, VAT on it 20 % = 0.40 €: the seller is credited 17.60 €.
    market.buy(company, local(2030, 2, 10))  # Q1
    market.buy(company, local(2030, 3, 31, 23))  # Q1 (local time, 22:00 UTC)
    refunded = market.buy(company, local(2030, 5, 2))  # Q2, refunded in Q3
    two = market.buy(company, local(2030, 11, 5), quantity=2)  # Q4
    market.buy(person, local(2030, 4, 1, 0))  # Q2 (just after midnight local)
    market.buy(company, local(2029, 12, 31, 23))  # previous year: not in 2030
    market.buy(company, local(2031, 1, 1, 0))  # next year: not in 2030
    market.refund(refunded, refunded.total_minor, local(2030, 8, 1))
    shipping = {o.seller_id: o.shipping_minor for o in refunded.seller_orders.all()}[company.pk]

    figures = dac7_figures(year=2030)

    one = 2000 + shipping - (200 + (200 * 20 + 50) // 100)
    c = figures[company.pk]
    assert c.sales.values == [2, 0, 0, 1]  # the refunded sale counts nowhere
    assert c.fees.values[0] == 400 and c.taxes.values[0] == 80
    assert c.consideration.values[1] == 0  # fully refunded: nothing was earned on it
    assert c.fees.values[1] == 0 and c.taxes.values[1] == 0
    assert figures[person.pk].sales.values == [0, 1, 0, 0]
    # Whatever the shipping, the year's figures are the ledger's: credits to the seller's payable by
    # the year's allocations minus what the refund took back from the seller.
    lines = JournalLine.objects.filter(account__seller=company, account__kind=AccountKind.SELLER_PAYABLE)
    in_2030 = [line for line in lines if local(2030, 1, 1, 0) <= line.entry.posted_at < local(2031, 1, 1, 0)]
    assert c.consideration.total == sum(line.credit_minor - line.debit_minor for line in in_2030)
    # By hand: 20.00 € + shipping (not commissioned) - 2.00 € commission - 0.40 € VAT on it.
    assert one == 2000 + shipping - 240
    assert c.consideration.values == [2 * one, 0, 0, 2 * 2000 + two.shipping_minor - 400 - 80]


def figures(sales: int, consideration_minor: int) -> SellerFigures:
    f = SellerFigures(seller_id=0)
    f.sales.values = [sales, 0, 0, 0]
    f.consideration.values = [consideration_minor, 0, 0, 0]
    return f


@pytest.mark.parametrize(
    ("sales", "consideration", "excluded"),
    [
        (29, 200_000, True),  # fewer than 30 and at most 2,000.00 €
        (29, 200_001, False),  # 2,000.01 €
        (30, 1_000, False),  # 30 sales, 10 €
        (30, 200_000, False),
        (0, 0, True),
    ],
)
def test_the_de_minimis_exclusion_at_its_boundaries(sales, consideration, excluded):
    seller = make_seller()
    assert (exclusion_of(seller, None, figures(sales, consideration)) == "de_minimis") is excluded


def test_governmental_listed_and_outside_the_eu_are_excluded_whatever_the_figures():
    big = figures(500, 10_000_000)
    seller = make_seller()
    for flag in ("governmental", "listed"):
        profile = SellerTaxProfile(seller=seller, seller_type="entity", exclusion=flag)
        assert exclusion_of(seller, profile, big) == flag
    assert exclusion_of(make_seller(country="CH", vat_number=""), None, big) == "outside_eu"
    assert exclusion_of(seller, None, big) == ""


def test_the_boundaries_from_the_ledger():
    at_limit, above, many_small = make_seller(), make_seller(), make_seller()
    for i in range(29):
        # 29 sales: 28 × 68.97 € + 68.84 € = 2,000.00 €; the other seller 1 cent more.
        sale(at_limit.pk, 6897 if i else 6884, local(2030, 1 + i % 12, 5))
        sale(above.pk, 6897 if i else 6885, local(2030, 1 + i % 12, 5))
    for i in range(30):
        sale(many_small.pk, 34 if i < 10 else 33, local(2030, 6, 1 + i))  # 30 sales, 10.00 €
    rows = {row.seller.pk: row for row in dac7_rows(year=2030)}
    assert rows[at_limit.pk].figures.consideration.total == 200_000
    assert rows[at_limit.pk].figures.sales.total == 29
    assert rows[at_limit.pk].exclusion == "de_minimis"
    assert rows[above.pk].figures.consideration.total == 200_001
    assert rows[above.pk].reportable
    assert rows[many_small.pk].figures.consideration.total == 1000
    assert rows[many_small.pk].figures.sales.total == 30
    assert rows[many_small.pk].reportable
