"""Capture, void and refund: asynchronous confirmations, retries that act once, no over-refund."""

import pytest

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.payments.errors import (
    GatewayRefused,
    IdempotencyKeyReused,
    PaymentNotCapturable,
    PaymentNotRefundable,
    PaymentNotVoidable,
    RefundExceedsCaptured,
)
from galerie.payments.models import Payment, Refund
from galerie.payments.services import payment_capture, payment_refund, payment_void
from galerie.payments.testgateway.models import ProviderCharge, ProviderRefund
from galerie.payments.testgateway.services import charge_void, refund_create
from tests.payments.conftest import DECLINED, NEEDS_CONFIRMATION, authorize, deliver_all

pytestmark = pytest.mark.django_db


def topics(prefix: str = "") -> list[str]:
    return [
        t
        for t in OutboxEvent.objects.order_by("id").values_list("topic", flat=True)
        if t.startswith(prefix) and not t.endswith("status_changed")
    ]


def captured(amount: int = 10000) -> Payment:
    payment = authorize(amount=amount)
    payment_capture(payment_id=payment.pk)
    deliver_all()
    payment.refresh_from_db()
    assert payment.status == "captured"
    return payment


def test_capture_is_pending_until_the_webhook_confirms_it():
    payment = authorize(amount=2500)

    payment = payment_capture(payment_id=payment.pk)
    assert (payment.status, payment.captured_minor) == ("capture_pending", 0)
    assert "payment.captured" not in topics()

    assert deliver_all() == 2  # "payment.authorized", then "payment.captured"
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == ("captured", 2500)
    assert topics("payment.") == ["payment.authorized", "payment.captured"]
    captured_event = OutboxEvent.objects.get(topic="payment.captured")
    assert captured_event.payload["captured_minor"] == 2500


def test_a_repeated_capture_captures_once():
    payment = authorize()
    payment_capture(payment_id=payment.pk)
    again = payment_capture(payment_id=payment.pk)
    deliver_all()
    assert again.status == "capture_pending"
    assert payment_capture(payment_id=payment.pk).status == "captured"
    assert ProviderCharge.objects.get().captured_minor == payment.amount_minor
    assert topics("payment.captured") == ["payment.captured"]


@pytest.mark.parametrize("number", [DECLINED, NEEDS_CONFIRMATION])
def test_only_an_authorized_payment_can_be_captured(number):
    payment = authorize(number)
    with pytest.raises(PaymentNotCapturable, match="Only an authorized payment can be captured"):
        payment_capture(payment_id=payment.pk)
    assert Payment.objects.get().status == payment.status


def test_void_releases_an_authorization_and_a_captured_payment_cannot_be_voided():
    payment = authorize()
    assert payment_void(payment_id=payment.pk).status == "voided"
    assert payment_void(payment_id=payment.pk).status == "voided"  # a retry
    assert topics("payment.voided") == ["payment.voided"]
    assert ProviderCharge.objects.get().status == "voided"

    other = captured()
    with pytest.raises(PaymentNotVoidable, match="it is captured"):
        payment_void(payment_id=other.pk)


def test_a_capture_the_provider_refuses_changes_nothing_here():
    payment = authorize()
    charge_void(reference=payment.provider_reference, idempotency_key="void-from-the-dashboard")
    with pytest.raises(GatewayRefused, match="it is voided"):
        payment_capture(payment_id=payment.pk)
    assert Payment.objects.get().status == "authorized"  # until its webhook or a refresh says voided
    deliver_all()
    assert Payment.objects.get().status == "voided"


def test_partial_refunds_then_the_rest_make_the_payment_refunded():
    payment = captured(10000)

    first = payment_refund(
        payment_id=payment.pk, amount=Money(3000, "EUR"), idempotency_key="r1", reason="damaged"
    )
    assert (first.status, first.amount_minor, first.reason) == ("pending", 3000, "damaged")
    deliver_all()
    first.refresh_from_db()
    payment.refresh_from_db()
    assert first.status == "succeeded" and first.provider_reference.startswith("tre_")
    assert (payment.status, payment.refunded_minor) == ("captured", 3000)

    payment_refund(payment_id=payment.pk, amount=Money(7000, "EUR"), idempotency_key="r2")
    deliver_all()
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor, payment.refunded_minor) == ("refunded", 10000, 10000)
    assert topics("refund.") == ["refund.succeeded", "refund.succeeded"]
    assert topics("payment.refunded") == ["payment.refunded"]
    event = OutboxEvent.objects.filter(topic="refund.succeeded").first()
    assert event.payload == {
        "payment_id": payment.pk,
        "refund_id": first.pk,
        "amount_minor": 3000,
        "currency": "EUR",
    }


def test_a_refund_retried_with_the_same_key_refunds_once():
    payment = captured(5000)
    first = payment_refund(payment_id=payment.pk, amount=Money(2000, "EUR"), idempotency_key="rk")
    again = payment_refund(payment_id=payment.pk, amount=Money(2000, "EUR"), idempotency_key="rk")
    deliver_all()
    third = payment_refund(payment_id=payment.pk, amount=Money(2000, "EUR"), idempotency_key="rk")

    assert first.pk == again.pk == third.pk
    assert Refund.objects.count() == 1 and ProviderRefund.objects.count() == 1
    payment.refresh_from_db()
    assert payment.refunded_minor == 2000


def test_a_refund_key_reused_for_another_amount_is_refused():
    payment = captured(5000)
    payment_refund(payment_id=payment.pk, amount=Money(2000, "EUR"), idempotency_key="rk2")
    with pytest.raises(IdempotencyKeyReused):
        payment_refund(payment_id=payment.pk, amount=Money(2500, "EUR"), idempotency_key="rk2")
    assert list(Refund.objects.values_list("amount_minor", flat=True)) == [2000]


def test_refusing_an_over_refund_changes_nothing():
    payment = captured(5000)
    payment_refund(payment_id=payment.pk, amount=Money(4000, "EUR"), idempotency_key="big")
    deliver_all()
    before = (OutboxEvent.objects.count(), StatusChange.objects.count(), ProviderRefund.objects.count())

    with pytest.raises(RefundExceedsCaptured) as caught:
        payment_refund(payment_id=payment.pk, amount=Money(1001, "EUR"), idempotency_key="too-much")

    assert caught.value.code == "refund_exceeds_captured" and caught.value.field == "amount"
    assert "At most 10.00 EUR can be refunded" in caught.value.message
    assert Refund.objects.count() == 1
    assert (
        OutboxEvent.objects.count(),
        StatusChange.objects.count(),
        ProviderRefund.objects.count(),
    ) == before
    payment.refresh_from_db()
    assert (payment.captured_minor, payment.refunded_minor, payment.status) == (5000, 4000, "captured")


def test_pending_refunds_count_against_what_is_left():
    payment = captured(5000)
    payment_refund(payment_id=payment.pk, amount=Money(3000, "EUR"), idempotency_key="p1")
    with pytest.raises(RefundExceedsCaptured, match=r"At most 20\.00 EUR"):
        payment_refund(payment_id=payment.pk, amount=Money(2500, "EUR"), idempotency_key="p2")


@pytest.mark.parametrize(
    ("amount", "error", "message"),
    [
        (Money(0, "EUR"), "amount", "more than zero"),
        (Money(100, "USD"), "amount", "in EUR, not USD"),
    ],
)
def test_a_bad_refund_amount_is_refused(amount, error, message):
    payment = captured(5000)
    with pytest.raises(InvalidInput, match=message) as caught:
        payment_refund(payment_id=payment.pk, amount=amount, idempotency_key="bad")
    assert caught.value.field == error
    assert not Refund.objects.exists()


def test_only_a_captured_payment_can_be_refunded():
    payment = authorize()
    with pytest.raises(PaymentNotRefundable, match="this one is authorized"):
        payment_refund(payment_id=payment.pk, amount=Money(100, "EUR"), idempotency_key="early")
    payment_capture(payment_id=payment.pk)  # pending until the webhook
    with pytest.raises(PaymentNotRefundable, match="this one is being captured"):
        payment_refund(payment_id=payment.pk, amount=Money(100, "EUR"), idempotency_key="early")
    assert not Refund.objects.exists()


def test_a_refund_the_provider_refuses_is_recorded_failed():
    payment = captured(5000)
    # The provider refunded part already (from its dashboard): it refuses what we think is left.
    refund_create(reference=payment.provider_reference, amount_minor=4000, idempotency_key="dashboard")
    with pytest.raises(GatewayRefused, match="At most 1000 can be refunded"):
        payment_refund(payment_id=payment.pk, amount=Money(2000, "EUR"), idempotency_key="ours")
    refund = Refund.objects.get()
    assert refund.status == "failed"
    assert topics("refund.") == ["refund.failed"]
    # the failed refund no longer holds back what is left to refund
    ok = payment_refund(payment_id=payment.pk, amount=Money(1000, "EUR"), idempotency_key="ours-again")
    assert ok.status == "pending"
