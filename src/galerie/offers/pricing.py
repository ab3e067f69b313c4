"""The prior price a reduction is measured against (EU Omnibus directive, art. 6a).

Pure functions over an offer's price history, so that the rule can be tested alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

REFERENCE_PERIOD = timedelta(days=30)


def prior_price(history: Sequence[tuple[datetime, int]], now: datetime) -> int | None:
    """Return the prior price to show beside the current one, or None when there is no reduction.

    ``history`` holds (valid_from, price) pairs in any order. The current price is the one in
    effect at ``now``, set at time t. It is shown as a reduction when t is less than 30 days ago
    and the lowest price in effect at any moment of the 30 days before t is higher than it; that
    lowest price is then the prior price. A seller never types it.
    """
    past = sorted(row for row in history if row[0] <= now)
    if not past:
        return None
    since, current = past[-1]
    if now - since >= REFERENCE_PERIOD:
        return None
    start = since - REFERENCE_PERIOD
    in_window = [price for valid_from, price in past[:-1] if valid_from > start]
    in_effect_at_start = [price for valid_from, price in past[:-1] if valid_from <= start][-1:]
    candidates = in_window + in_effect_at_start
    if not candidates:
        return None
    lowest = min(candidates)
    return lowest if lowest > current else None
