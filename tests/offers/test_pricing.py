"""The Omnibus prior price: the rule alone (property-based) and through the database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galerie.core.money import Money
from galerie.offers.pricing import REFERENCE_PERIOD, prior_price
from galerie.offers.selectors import prior_prices
from galerie.offers.services import offer_price_set
from tests.factories import TESTS, make_offer

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_reduction_shows_the_lowest_price_of_the_30_days_before_it():
    history = [(NOW - 90 * DAY, 3000), (NOW - 40 * DAY, 2500), (NOW - 20 * DAY, 2800), (NOW - 5 * DAY, 2000)]
    # In the 30 days before the reduction (day -35 to day -5): 2500 (in effect at -35) and 2800.
    assert prior_price(history, NOW) == 2500


def test_no_reduction_when_the_price_went_up_or_is_old_or_new():
    assert prior_price([(NOW - 10 * DAY, 2000), (NOW - 2 * DAY, 2200)], NOW) is None
    assert prior_price([(NOW - 80 * DAY, 3000), (NOW - 31 * DAY, 2000)], NOW) is None  # not recent
    assert prior_price([(NOW - 1 * DAY, 2000)], NOW) is None  # no earlier price
    assert prior_price([(NOW + DAY, 1000), (NOW - DAY, 2000)], NOW) is None  # a future price is ignored


def test_a_brief_lower_price_before_the_reduction_is_the_reference():
    history = [(NOW - 60 * DAY, 3000), (NOW - 20 * DAY, 1900), (NOW - 15 * DAY, 3000), (NOW - 2 * DAY, 2500)]
    assert prior_price(history, NOW) is None  # 1900 was cheaper: 2500 is no reduction


def brute_force(history, now):
    """Sample every hour of the reference window: the lowest price in effect at any moment."""
    past = sorted(r for r in history if r[0] <= now)
    if not past:
        return None
    since, current = past[-1]
    if now - since >= REFERENCE_PERIOD:
        return None
    seen = []
    moment = since - REFERENCE_PERIOD
    while moment < since:
        in_effect = [p for t, p in past if t <= moment]
        if in_effect:
            seen.append(in_effect[-1])
        moment += timedelta(hours=1)
    seen += [p for t, p in past[:-1] if since - REFERENCE_PERIOD < t < since]
    if not seen:
        return None
    return min(seen) if min(seen) > current else None


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=24 * 100), st.integers(min_value=1, max_value=500)),
        min_size=1,
        max_size=8,
        unique_by=lambda r: r[0],
    )
)
def test_matches_a_brute_force_scan(rows):
    history = [(NOW - timedelta(hours=h), price) for h, price in rows]
    assert prior_price(history, NOW) == brute_force(history, NOW)


@pytest.mark.django_db
def test_prior_prices_for_many_offers_in_one_query(django_assert_num_queries):
    now = datetime.now(UTC)
    offers = []
    for _ in range(5):
        offer = make_offer(price_minor=3000)
        offer.price_history.update(valid_from=now - 100 * DAY)
        offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(2600, "EUR"), at=now - 45 * DAY)
        offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(2000, "EUR"), at=now - 3 * DAY)
        offers.append(offer)
    steady = make_offer(price_minor=999)
    with django_assert_num_queries(1):
        result = prior_prices([o.pk for o in offers] + [steady.pk], now=now)
    assert result == {o.pk: 2600 for o in offers}
