"""Payout holds: placed and lifted once, honoured by the payout run at every door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core.models import OutboxEvent
from galerie.ledger.holds import held_seller_ids, payout_hold_lift, payout_hold_place
from galerie.ledger.models import Payout, PayoutHold
from galerie.ledger.payouts import payout_run_start, sellers_payout_post, sellers_to_pay
from tests.factories import make_seller
from tests.ledger.payout_helpers import fund

pytestmark = pytest.mark.django_db
DAC7 = PayoutHold.Reason.DAC7_MISSING_DATA


def test_a_hold_is_placed_once_and_lifted_once():
    seller = make_seller()
    first = payout_hold_place(seller_id=seller.pk, reason=DAC7, note="why")
    assert payout_hold_place(seller_id=seller.pk, reason=DAC7) == first
    assert OutboxEvent.objects.filter(topic="payout_hold.placed").count() == 1
    assert held_seller_ids() == {seller.pk}
    assert payout_hold_lift(seller_id=seller.pk, reason=DAC7) == 1
    assert payout_hold_lift(seller_id=seller.pk, reason=DAC7) == 0
    assert held_seller_ids() == set()
    again = payout_hold_place(seller_id=seller.pk, reason=DAC7)  # a new hold, the old one kept
    assert again.pk != first.pk and PayoutHold.objects.filter(seller=seller).count() == 2
    with pytest.raises(ValueError, match="unknown payout hold reason"):
        payout_hold_place(seller_id=seller.pk, reason="whim")


def test_the_run_skips_a_held_seller_even_when_asked_for_it_by_id(settings, tmp_path):
    settings.GALERIE_PAYOUT_RESERVE_BP = 0
    held, free = make_seller(), make_seller()
    fund(held.pk, 10_000)
    fund(free.pk, 5_000)
    payout_hold_place(seller_id=held.pk, reason=PayoutHold.Reason.OPERATOR)
    run = payout_run_start(run_date=timezone.localdate(), now=timezone.now() + timedelta(seconds=1))
    assert sellers_to_pay(run=run) == [free.pk]
    paid = sellers_payout_post(run=run, seller_ids=[held.pk, free.pk])
    assert set(paid) == {free.pk}
    assert not Payout.objects.filter(seller=held).exists()
