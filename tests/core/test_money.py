from decimal import Decimal
from fractions import Fraction

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from galerie.core.money import Money, MoneyError, round_half_up

amounts = st.integers(min_value=-(10**15), max_value=10**15)
currencies = st.sampled_from(["EUR", "USD", "JPY", "GBP", "KWD"])


def test_refuses_floats_and_bools():
    with pytest.raises(MoneyError, match="integer number of minor units"):
        Money(12.5, "EUR")
    with pytest.raises(MoneyError):
        Money(True, "EUR")
    with pytest.raises(MoneyError, match="floats"):
        Money.parse(12.5, "EUR")
    with pytest.raises(MoneyError, match="whole numbers"):
        Money(100, "EUR") * 1.5


def test_refuses_unknown_currency_and_mixing():
    with pytest.raises(MoneyError, match="ISO 4217"):
        Money(100, "EU")
    with pytest.raises(MoneyError, match="cannot combine EUR with USD"):
        Money(100, "EUR") + Money(100, "USD")
    with pytest.raises(MoneyError):
        _ = Money(100, "EUR") < Money(100, "USD")


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.90", "EUR", 1290),
        ("12,9", "EUR", 1290),
        ("1 234,56", "EUR", 123456),
        ("500", "JPY", 500),
        ("-0.01", "EUR", -1),
        ("1.234", "KWD", 1234),
    ],
)
def test_parse(text, currency, minor):
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize("text", ["12.901", "abc", "", "NaN", "Infinity"])
def test_parse_rejects_with_a_reason(text):
    with pytest.raises(MoneyError, match=r"decimal places|not an amount"):
        Money.parse(text, "EUR")


def test_format_by_locale():
    assert Money(123456, "EUR").format("fr") == "1\u202f234,56\xa0€"
    assert Money(123456, "EUR").format("en") == "€1,234.56"
    assert Money(500, "JPY").format("en") == "¥500"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),
        (Fraction(7, 3), 2),
        (Fraction(-7, 3), -2),
        (Fraction(0), 0),
    ],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


def test_apply_rate_rounds_once():
    assert Money(1999, "EUR").apply_rate(Decimal("0.15")) == Money(300, "EUR")  # 299.85 → 300
    assert Money(1001, "EUR").apply_rate("0.5") == Money(501, "EUR")  # 500.5 → 501


@given(
    amount=amounts,
    currency=currencies,
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(any),
)
def test_allocate_never_creates_or_loses_a_cent(amount, currency, weights):
    parts = Money(amount, currency).allocate(weights)
    assert sum(p.amount_minor for p in parts) == amount
    assert all(p.currency == currency for p in parts)
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(amount * weight, total)
        assert abs(part.amount_minor - exact) < 1  # each part is within one cent of its exact share
        if weight == 0:
            assert part.amount_minor == 0


@given(a=amounts, b=amounts, c=amounts, currency=currencies)
def test_addition_is_exact_and_associative(a, b, c, currency):
    x, y, z = Money(a, currency), Money(b, currency), Money(c, currency)
    assert (x + y) + z == x + (y + z) == Money(a + b + c, currency)
    assert x - x == Money.zero(currency)
    assert -x + x == Money.zero(currency)


@given(amount=amounts, currency=currencies)
def test_parse_roundtrips_through_decimal(amount, currency):
    money = Money(amount, currency)
    assert Money.parse(money.to_decimal(), currency) == money


@given(
    amount=st.integers(min_value=-(10**20), max_value=10**20) | st.integers(min_value=-1000, max_value=1000),
    currency=st.sampled_from(["EUR", "GBP", "USD", "CHF", "JPY", "KWD"]),
    locale=st.sampled_from(["fr", "en", "fr_CH", "de_CH", "en_IN", "nl", "ar"]),
)
def test_format_is_exactly_babels(amount, currency, locale):
    # The fast path (pattern resolved once, string work on the integer) writes what Babel writes.
    expected = format_currency(Money(amount, currency).to_decimal(), currency, locale=locale)
    assert Money(amount, currency).format(locale) == expected


def test_format_in_french_and_english():
    assert Money(123456789, "EUR").format("fr") == "1\u202f234\u202f567,89\u00a0€"
    assert Money(-5, "EUR").format("en") == "-€0.05"
    assert Money(1500, "JPY").format("en") == "¥1,500"
    assert Money(0, "GBP").format("fr") == "0,00\u00a0£GB"
