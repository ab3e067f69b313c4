"""A price's band (search/services.py) as the facets name it: "<low>-<high>" in minor units."""

from hypothesis import given
from hypothesis import strategies as st

from galerie.search.services import PRICE_BANDS, price_band


def _band(amount_minor: int) -> str:
    """The definition, a band at a time."""
    low = 0
    for high in PRICE_BANDS:
        if amount_minor < high:
            return f"{low}-{high}"
        low = high
    return f"{low}-"


def test_the_bands_and_their_edges():
    assert [price_band(a) for a in (0, 999, 1000, 1999, 2000, 99_999, 100_000, 10**9)] == [
        "0-1000",
        "0-1000",
        "1000-2000",
        "1000-2000",
        "2000-5000",
        "50000-100000",
        "100000-",
        "100000-",
    ]


@given(st.integers(min_value=-(10**6), max_value=10**9))
def test_a_band_is_the_first_whose_top_is_above_the_price(amount_minor):
    assert price_band(amount_minor) == _band(amount_minor)
