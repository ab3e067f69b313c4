"""Concurrent retries on PostgreSQL, with real connections and threads: each key acts once."""

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.payments.errors import RefundExceedsCaptured
from galerie.payments.models import Payment, PaymentEvent, Refund
from galerie.payments.services import payment_capture, payment_refund, webhook_handle
from galerie.payments.testgateway.models import ProviderCharge, ProviderRefund, ProviderWebhook
from galerie.payments.testgateway.webhooks import SIGNATURE_HEADER, sign
from tests.payments.conftest import authorize, deliver_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def all_at_once(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            result: object = work(i)
        except Exception as error:
            result = error
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_ten_concurrent_authorizations_with_one_key_charge_once():
    outcomes = all_at_once(10, lambda i: authorize(amount=2000, key="same-order").pk)

    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert len(set(outcomes)) == 1
    assert Payment.objects.get().status == "authorized"
    assert ProviderCharge.objects.count() == 1
    assert OutboxEvent.objects.filter(topic="payment.authorized").count() == 1


def test_concurrent_refunds_never_exceed_what_was_captured():
    payment = authorize(amount=10000)
    payment_capture(payment_id=payment.pk)
    deliver_all()

    outcomes = all_at_once(
        8, lambda i: payment_refund(payment_id=payment.pk, amount=Money(3000, "EUR"), idempotency_key=f"r{i}")
    )
    deliver_all()

    refused = [o for o in outcomes if isinstance(o, RefundExceedsCaptured)]
    assert len(refused) == 5 and len([o for o in outcomes if isinstance(o, Refund)]) == 3
    payment.refresh_from_db()
    assert (payment.captured_minor, payment.refunded_minor) == (10000, 9000)
    assert ProviderRefund.objects.count() == 3


def test_one_webhook_delivered_by_several_workers_at_once_is_applied_once():
    payment = authorize()
    payment_capture(payment_id=payment.pk)
    captured = ProviderWebhook.objects.get(type="payment.captured")
    body = captured.body.encode()

    outcomes = all_at_once(
        6, lambda i: webhook_handle(gateway="test", body=body, headers={SIGNATURE_HEADER: sign(body)})
    )

    assert len([o for o in outcomes if isinstance(o, PaymentEvent)]) == 1
    assert outcomes.count(None) == 5
    assert Payment.objects.get().status == "captured"
    to_captured = StatusChange.objects.filter(model="payments.Payment", to_status="captured")
    assert to_captured.count() == 1
    assert OutboxEvent.objects.filter(topic="payment.captured").count() == 1
