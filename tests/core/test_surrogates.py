"""Surrogate keys: an event's entities go stale when its transaction commits, once, and not on rollback."""

import time

import pytest
from django.db import transaction

from galerie.core import surrogates
from galerie.core.outbox import emit

pytestmark = pytest.mark.django_db(transaction=True)


def test_keys_of_reads_ids_and_lists_of_ids():
    payload = {"product_id": 4, "seller_id": [7, 8], "storefront_id": None, "order_id": 9}
    assert surrogates.keys_of(payload) == {"product:4", "seller:7", "seller:8"}


def test_an_event_bumps_its_keys_when_it_commits():
    before = surrogates.versions(["product:41", "seller:42"])
    with transaction.atomic():
        emit("thing.changed", product_id=41, seller_id=42)
        assert surrogates.versions(["product:41", "seller:42"]) == before  # not yet: uncommitted
    after = surrogates.versions(["product:41", "seller:42"])
    assert after["product:41"] is not None and after["product:41"] != before["product:41"]
    assert after["seller:42"] == after["product:41"]  # one write for the whole transaction


def test_a_rolled_back_event_bumps_nothing():
    before = surrogates.versions(["product:43"])
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("thing.changed", product_id=43)
        raise RuntimeError("boom")
    assert surrogates.versions(["product:43"]) == before


def test_a_rolled_back_savepoint_does_not_lose_the_keys_emitted_after_it():
    with transaction.atomic():
        try:
            with transaction.atomic():
                emit("thing.changed", product_id=44)
                raise RuntimeError("inner")
        except RuntimeError:
            pass
        emit("thing.changed", product_id=45)
    assert surrogates.versions(["product:45"])["product:45"] is not None


def test_bump_outside_a_transaction_is_immediate():
    first = surrogates.versions(["listing:1"])["listing:1"]
    surrogates.bump_on_commit(["listing:1"])
    second = surrogates.versions(["listing:1"])["listing:1"]
    assert second is not None and second != first


def test_a_version_tells_when_it_was_bumped_and_an_initial_one_is_of_time_zero():
    before = time.time()
    surrogates.bump(["product:50"])
    bumped = surrogates.bumped_at(surrogates.versions(["product:50"])["product:50"])
    assert before - 0.01 <= bumped <= time.time() + 0.01

    first = surrogates.versions_initialised(["product:50", "product:51"])
    assert first["product:50"] == surrogates.versions(["product:50"])["product:50"]  # kept, not replaced
    assert surrogates.bumped_at(first["product:51"]) == 0
    assert surrogates.versions_initialised(["product:51"]) == {"product:51": first["product:51"]}  # stable
    surrogates.bump(["product:51"])
    assert surrogates.versions(["product:51"])["product:51"] != first["product:51"]
    assert surrogates.bumped_at(None) == surrogates.bumped_at("not-a-version") == 0
