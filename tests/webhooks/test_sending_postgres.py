"""Two senders at once on PostgreSQL: SKIP LOCKED and the lease keep each delivery to one POST."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from galerie.webhooks.models import WebhookDelivery
from galerie.webhooks.sending import webhooks_send_due
from tests.webhooks.helpers import queue_one

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_senders_never_send_a_delivery_twice(receiver, operator_endpoint):
    receiver.delay = 0.02
    for _ in range(40):
        queue_one(operator_endpoint)
    barrier = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            barrier.wait()
            while (result := webhooks_send_due(batch=5)).claimed:
                sent.append(result.delivered)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    counts = Counter(r.headers["Galerie-Delivery-Id"] for r in receiver.received)
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert sum(sent) == 40
    assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DELIVERED, attempts=1).count() == 40
