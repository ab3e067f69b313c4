"""On PostgreSQL, with real connections and threads: the four doors to "delivered" racing on one
parcel deliver it once, with one history row, one event and the winner's date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.core.models import OutboxEvent, StatusChange
from galerie.orders.delivery import (
    seller_order_confirm_receipt,
    seller_order_deliver_from_carrier,
    seller_orders_deem_delivered,
)
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_deliver
from tests.checkout.conftest import shop as shop  # the fixture
from tests.notifications.test_worker_postgres import in_threads
from tests.orders.test_delivery import backdate_shipping
from tests.orders.test_delivery import shipped as shipped  # the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("rounds", range(3))
def test_four_doors_racing_deliver_once(shipped, rounds):
    part_id = shipped.part_a.pk
    backdate_shipping(part_id, timezone.now() - timedelta(days=11))
    doors = [
        lambda: seller_order_deliver(seller_order_id=part_id, acting_user=shipped.clerk_a),
        lambda: seller_order_confirm_receipt(seller_order_id=part_id, customer=shipped.customer),
        lambda: seller_order_deliver_from_carrier(
            carrier="Colissimo", tracking_number="6A111", delivered_at=timezone.now() - timedelta(days=1)
        ),
        lambda: seller_orders_deem_delivered(),
    ]

    def knock(index: int):
        try:
            return doors[index]()
        except DomainError as error:  # none is expected: each door returns the delivered part
            return error

    results = in_threads(4, knock)

    assert connection.vendor == "postgresql"
    assert not [r for r in results if isinstance(r, DomainError)], results
    part = SellerOrder.objects.get(pk=part_id)
    assert part.status == SellerOrder.Status.DELIVERED
    rows = StatusChange.objects.filter(
        model="orders.SellerOrder", object_pk=str(part_id), to_status="delivered"
    )
    assert rows.count() == 1
    events = [
        e
        for e in OutboxEvent.objects.filter(topic="seller_order.delivered")
        if e.payload["seller_order_id"] == part_id
    ]
    assert len(events) == 1
    assert events[0].payload["delivered_at"] == part.delivered_at.isoformat()
