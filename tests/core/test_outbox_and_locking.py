import pytest
from django.db import transaction

from galerie.core.locking import lock_row, lock_rows
from galerie.core.models import OutboxEvent
from galerie.core.outbox import emit
from galerie.storefronts.models import Storefront
from tests.factories import make_storefront

pytestmark = pytest.mark.django_db(transaction=True)


def test_event_is_committed_with_the_change():
    with transaction.atomic():
        emit("thing.happened", thing_id=7)
    event = OutboxEvent.objects.get(topic="thing.happened")
    assert event.payload == {"thing_id": 7}
    assert event.delivered_at is None


def test_event_disappears_when_the_change_rolls_back():
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        emit("thing.happened", thing_id=8)
        raise RuntimeError("boom")
    assert not OutboxEvent.objects.filter(topic="thing.happened").exists()


def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        emit("thing.happened")
    assert OutboxEvent.objects.count() == 0


def test_lock_rows_returns_rows_by_pk_and_refuses_autocommit():
    a, b = make_storefront(), make_storefront()
    with transaction.atomic():
        rows = lock_rows(Storefront.objects.all(), [b.pk, a.pk, b.pk, 999_999])
        assert list(rows) == sorted([a.pk, b.pk])
        assert lock_row(Storefront.objects.all(), a.pk) == a
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        lock_rows(Storefront.objects.all(), [a.pk])
