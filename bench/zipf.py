"""Zipf popularity: a few products, categories and searches draw most of the views.

A scenario's requests are ranked by a deterministic shuffle (fixed seed, so every run and every
machine ranks them alike; requests picked from the same rows — a category and its filtered
listing, a product and its add-to-cart — share one ranking), and the request of rank r is drawn
with a probability proportional to 1 / r^s (s = 1: rank 1 is drawn ten times as often as rank
10). The request files hold one ``<weight>\\t<request>`` per line; ``bench/lua/scenario.lua``
draws from them (cumulative weights, binary search, one fixed seed per wrk thread).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

SEED = 14
EXPONENT = 1.0


def ranked(items: Sequence[T], *, ranking: str, seed: int = SEED) -> list[T]:
    """Return ``items`` in popularity order, most popular first: always the same order for the
    same items, ``ranking`` name and seed (lists of one length are permuted alike)."""
    order = list(items)
    random.Random(f"{seed}:{ranking}").shuffle(order)
    return order


def weights(count: int, *, exponent: float = EXPONENT) -> list[float]:
    """The Zipf weight of ranks 1…count, normalized: they add up to 1."""
    raw = [1 / rank**exponent for rank in range(1, count + 1)]
    total = sum(raw)
    return [w / total for w in raw]


def table(lines: Sequence[str], *, share: float = 1.0, exponent: float = EXPONENT) -> list[str]:
    """The lines of a request file for ``lines`` in popularity order: ``<weight>\\t<request>``,
    the weights adding up to ``share``."""
    ranks = weights(len(lines), exponent=exponent)
    return [f"{share * w!r}\t{line}" for w, line in zip(ranks, lines, strict=True)]


def mix_table(plan: dict, mix: dict[str, int], *, exponent: float = EXPONENT) -> list[str]:
    """The request file of the weighted mix: each scenario draws its share of ``mix``, and within
    it its requests their Zipf weight."""
    total = sum(mix.values())
    return [line for name, n in mix.items() for line in table(plan[name], share=n / total, exponent=exponent)]
