"""The first-in, first-out attribution of a seller's available balance to storefronts
(ledger/closure.py, docs/storefront-closure.md), as a property: whatever the credits, payouts and
refunds, no cent is attributed twice or lost, a storefront's part never grows once it stops
selling, and a final payout tagged with its seller orders brings it to exactly zero."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.ledger.closure import _Queue

PARTS = st.integers(min_value=1, max_value=6)  # seller orders; odd ones are the closing storefront's
AMOUNT = st.integers(min_value=1, max_value=10_000)
STEP = st.one_of(
    st.tuples(st.just("credit"), PARTS, AMOUNT),
    st.tuples(st.just("payout"), st.none(), AMOUNT),  # untagged debit
    st.tuples(st.just("refund"), PARTS, AMOUNT),  # debit tagged with a seller order
)


def ours(part: int | None) -> bool:
    return part is not None and part % 2 == 1


def left(queue: _Queue, *, mine: bool) -> int:
    return sum(amount for part, is_ours, amount in queue.items() if is_ours == mine)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=40), st.integers(min_value=0, max_value=40))
def test_no_cent_attributed_twice_or_lost_and_the_final_payout_reaches_zero(steps, stop_at):
    queue, balance = _Queue(), 0
    stopped_part = None
    for index, (kind, part, amount) in enumerate(steps):
        if kind == "credit":
            if index >= stop_at and ours(part):
                continue  # the closing storefront sells no more
            queue.add(part, ours(part), amount)
            balance += amount
        else:
            amount = min(amount, balance)  # the ledger never takes an available balance below zero
            if not amount:
                continue
            if index >= stop_at and stopped_part is None:
                stopped_part = left(queue, mine=True)
            before = left(queue, mine=True)
            queue.take(part, amount)
            balance -= amount
            if index >= stop_at:
                assert left(queue, mine=True) <= before  # never grows once it stopped selling
        assert all(amount >= 0 for _, _, amount in queue.items())
        assert left(queue, mine=True) + left(queue, mine=False) == balance

    # The final payout: a debit tagged with each of the storefront's seller orders, of what it holds.
    others = left(queue, mine=False)
    held: dict[int, int] = {}
    for part, is_ours, amount in queue.items():
        if is_ours and amount and part is not None:
            held[part] = held.get(part, 0) + amount
    for part, amount in held.items():
        queue.take(part, amount)
    assert left(queue, mine=True) == 0
    assert left(queue, mine=False) == others == balance - sum(held.values())
