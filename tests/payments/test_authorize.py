"""payment_authorize: one charge per key, no gateway call inside a transaction, bad input changes nothing."""

import pytest
from django.db import transaction

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.payments.errors import GatewayUnavailable, IdempotencyKeyReused, UnknownGateway
from galerie.payments.gateway import TestGateway
from galerie.payments.models import Payment
from galerie.payments.services import payment_authorize, payment_refresh
from galerie.payments.testgateway.models import ProviderCharge
from galerie.payments.testgateway.services import charge_authorize
from tests.payments.conftest import DECLINED, NEEDS_CONFIRMATION, RETURN_URL, authorize, card, new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway_calls(monkeypatch):
    """Count the test gateway's authorize() calls (the provider itself runs for real)."""
    calls: list[str] = []
    real = TestGateway.authorize

    def counted(self, **kwargs):
        calls.append(kwargs["idempotency_key"])
        return real(self, **kwargs)

    monkeypatch.setattr(TestGateway, "authorize", counted)
    return calls


def test_the_same_key_twice_returns_the_same_payment_and_charges_once(gateway_calls):
    first = authorize(amount=1999, key="order-7-payment")
    again = authorize(amount=1999, key="order-7-payment")

    assert again.pk == first.pk and again.status == "authorized"
    assert Payment.objects.count() == 1
    assert ProviderCharge.objects.count() == 1
    assert gateway_calls == ["authorize:order-7-payment"]  # the retry did not call the gateway
    assert OutboxEvent.objects.filter(topic="payment.authorized").count() == 1


def test_a_declined_payment_is_not_retried_with_the_same_key(gateway_calls):
    first = authorize(DECLINED, key="k-declined")
    again = authorize(DECLINED, key="k-declined")
    assert (again.pk, again.status) == (first.pk, "declined")
    assert len(gateway_calls) == 1


def test_a_key_reused_for_another_amount_is_refused_and_changes_nothing():
    payment = authorize(amount=1000, key="k-amount")
    events = OutboxEvent.objects.count()

    with pytest.raises(IdempotencyKeyReused) as caught:
        authorize(amount=1200, key="k-amount")

    assert caught.value.code == "idempotency_key_reused" and "10.00 EUR" in caught.value.message
    assert list(Payment.objects.values_list("pk", "amount_minor")) == [(payment.pk, 1000)]
    assert ProviderCharge.objects.count() == 1
    assert OutboxEvent.objects.count() == events


def test_a_retry_after_the_gateway_was_unreachable_charges_once(monkeypatch, gateway_calls):
    real = TestGateway.authorize
    outage = {"on": True}

    def flaky(self, **kwargs):
        if outage["on"]:
            # The request reached the provider, but its answer was lost on the way back.
            real(self, **kwargs)
            raise GatewayUnavailable("The test gateway did not answer in time.")
        return real(self, **kwargs)

    monkeypatch.setattr(TestGateway, "authorize", flaky)
    with pytest.raises(GatewayUnavailable):
        authorize(amount=3000, key="k-lost-answer")
    assert Payment.objects.get().status == "pending"

    outage["on"] = False
    payment = authorize(amount=3000, key="k-lost-answer")

    assert payment.status == "authorized"
    assert ProviderCharge.objects.count() == 1
    assert Payment.objects.count() == 1


def test_refresh_finds_a_payment_whose_answer_was_never_recorded():
    # A crash between the gateway call and the recording: only the provider knows the result.
    payment = Payment.objects.create(
        gateway="test", idempotency_key="k-crash", amount_minor=500, currency="EUR"
    )
    charge_authorize(
        amount_minor=500,
        currency="EUR",
        payment_method=card(),
        idempotency_key="authorize:k-crash",
        return_url=RETURN_URL,
        description="",
    )

    payment = payment_refresh(payment_id=payment.pk)

    assert payment.status == "authorized"
    assert payment.provider_reference == ProviderCharge.objects.get().reference


def test_refresh_of_a_payment_the_provider_never_received_changes_nothing():
    payment = Payment.objects.create(
        gateway="test", idempotency_key="k-never", amount_minor=500, currency="EUR"
    )
    assert payment_refresh(payment_id=payment.pk).status == "pending"
    assert not StatusChange.objects.exists()


def test_the_gateway_is_never_called_inside_a_transaction(gateway_calls):
    with pytest.raises(RuntimeError, match=r"outside transaction\.atomic"), transaction.atomic():
        authorize(key="k-in-transaction")
    assert gateway_calls == []
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": Money(0, "EUR")}, "amount", "more than zero"),
        ({"amount": 1000}, "amount", "more than zero"),
        ({"idempotency_key": ""}, "idempotency_key", "1 to 100 characters"),
        ({"idempotency_key": "k" * 101}, "idempotency_key", "1 to 100 characters"),
        ({"return_url": "javascript:alert(1)"}, "return_url", "http(s) address"),
        ({"return_url": "//evil.example/"}, "return_url", "http(s) address"),
        ({"description": "x" * 201}, "description", "at most 200 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(changes, field, message):
    request = {
        "amount": Money(1000, "EUR"),
        "payment_method": card(),
        "idempotency_key": new_key(),
        "return_url": RETURN_URL,
        "description": "",
        **changes,
    }
    with pytest.raises(InvalidInput) as caught:
        payment_authorize(**request)
    assert message in " ".join(caught.value.errors[field])
    assert not Payment.objects.exists() and not ProviderCharge.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_a_relative_return_url_is_accepted():
    payment = payment_authorize(
        amount=Money(1000, "EUR"),
        payment_method=card(),
        idempotency_key=new_key(),
        return_url="/s/books/done/",
    )
    assert payment.status == "authorized"


def test_an_unknown_configured_gateway_is_a_clear_error(settings):
    settings.GALERIE_PAYMENT_GATEWAY = "acme"
    with pytest.raises(UnknownGateway, match="no payment gateway “acme”"):
        authorize()
    assert not Payment.objects.exists()


def test_authorization_writes_history_and_events_with_ids():
    payment = authorize(amount=4200)
    change = StatusChange.objects.get(model="payments.Payment")
    assert (change.object_pk, change.from_status, change.to_status) == (
        str(payment.pk),
        "pending",
        "authorized",
    )
    event = OutboxEvent.objects.get(topic="payment.authorized")
    assert event.payload["payment_id"] == payment.pk
    assert (event.payload["amount_minor"], event.payload["currency"]) == (4200, "EUR")
    assert event.payload["payment_uuid"] == str(payment.uuid)


def test_requires_action_is_answered_once_and_not_asked_again(gateway_calls):
    first = authorize(NEEDS_CONFIRMATION, key="k-3ds")
    again = authorize(NEEDS_CONFIRMATION, key="k-3ds")
    assert (again.pk, again.status, again.action_url) == (first.pk, "requires_action", first.action_url)
    assert len(gateway_calls) == 1
