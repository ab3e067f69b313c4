"""The status tables: every move goes forward, final statuses are final."""

import pytest

from galerie.payments.models import Payment, Refund


def test_every_payment_transition_goes_to_a_higher_rank():
    rank = Payment.STATUS_RANK
    assert set(rank) == set(Payment.Status) == set(Payment.TRANSITIONS)
    for source, targets in Payment.TRANSITIONS.items():
        for target in targets:
            assert rank[target] > rank[source], f"{source} → {target} goes backwards"


def test_final_statuses_have_no_way_out():
    for status in Payment.FINAL:
        assert Payment.TRANSITIONS[status] == frozenset()
    assert (
        Refund.TRANSITIONS[Refund.Status.SUCCEEDED] == Refund.TRANSITIONS[Refund.Status.FAILED] == frozenset()
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("captured", "authorized"),
        ("captured", "capture_pending"),
        ("authorized", "requires_action"),
        ("captured", "voided"),
        ("declined", "authorized"),
        ("refunded", "captured"),
    ],
)
def test_these_moves_are_refused(source, target):
    assert target not in Payment.TRANSITIONS[source]
