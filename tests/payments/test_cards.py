"""The test cards, and the card checks made before anything is written."""

from datetime import date

import pytest
from django.core import serializers
from django.db import connection

from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.payments.errors import InvalidPaymentMethod
from galerie.payments.models import Payment, PaymentEvent, Refund
from galerie.payments.services import payment_authorize, payment_capture
from galerie.payments.testgateway.cards import card_check
from galerie.payments.testgateway.models import (
    ProviderCharge,
    ProviderIdempotencyKey,
    ProviderRefund,
    ProviderWebhook,
)
from tests.payments.conftest import (
    DECLINED,
    INSUFFICIENT_FUNDS,
    NEEDS_CONFIRMATION,
    PROCESSING_ERROR,
    RETURN_URL,
    SUCCEEDS,
    authorize,
    card,
    deliver_all,
    new_key,
)

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"number": ""}, "number", "Enter the card number."),
        ({"number": "4242 4242 42"}, "number", "The card number is incomplete: it has 10 digits"),
        ({"number": "4242 4242 4242 4241"}, "number", "its check digit is wrong"),
        ({"number": "4242-4242-4242-424x"}, "number", "only digits and spaces"),
        ({"exp_month": 13}, "exp_month", "from 1 to 12"),
        ({"exp_year": "soon"}, "exp_year", "a year such as 2030"),
        ({"exp_month": 5, "exp_year": 2025}, "exp_year", "This card expired at the end of 05/2025."),
        ({"exp_month": 1, "exp_year": 24}, "exp_year", "This card expired at the end of 01/2024."),
        ({"cvc": "12"}, "cvc", "3 or 4 digits"),
        ({"cvc": "12345"}, "cvc", "3 or 4 digits"),
        ({"cvc": "abc"}, "cvc", "3 or 4 digits"),
    ],
)
def test_a_malformed_card_is_refused_with_a_clear_message(fields, field, message):
    with pytest.raises(InvalidPaymentMethod) as caught:
        card_check(card(**fields), today=TODAY)
    assert caught.value.code == "invalid_payment_method"
    assert message in " ".join(caught.value.errors[field])
    assert "4242424242424" not in caught.value.message.replace(" ", "")


def test_a_card_valid_to_the_end_of_this_month_is_accepted_and_only_its_last_digits_kept():
    checked = card_check(card(exp_month=6, exp_year=2025, cvc="1234"), today=TODAY)
    assert (checked.last4, checked.brand, checked.outcome.status) == ("4242", "visa", "authorized")
    assert "number" not in vars(checked)


def test_any_other_valid_number_succeeds():
    assert card_check(card("5555 5555 5555 4444"), today=TODAY).outcome.status == "authorized"


pytestmark_db = pytest.mark.django_db


@pytestmark_db
@pytest.mark.parametrize(
    ("number", "status", "code", "message"),
    [
        (SUCCEEDS, "authorized", "", ""),
        (DECLINED, "declined", "card_declined", "Your card was declined."),
        (INSUFFICIENT_FUNDS, "declined", "insufficient_funds", "Insufficient funds on this card."),
        (NEEDS_CONFIRMATION, "requires_action", "", ""),
        (PROCESSING_ERROR, "failed", "processing_error", "An error occurred while processing your card."),
    ],
)
def test_each_test_card(number, status, code, message):
    payment = authorize(number, amount=4990)

    payment.refresh_from_db()
    assert payment.status == status
    assert (payment.decline_code, payment.card_last4) == (code, number[-4:])
    assert payment.decline_message.startswith(message)
    assert (payment.amount_minor, payment.currency, payment.gateway) == (4990, "EUR", "test")
    assert payment.provider_reference.startswith("tch_")
    charge = ProviderCharge.objects.get()
    assert charge.reference == payment.provider_reference
    if status == "requires_action":
        assert payment.action_url == f"/payments/test/confirm/{payment.provider_reference}/"
    else:
        assert payment.action_url == ""
    topics = list(OutboxEvent.objects.filter(topic__startswith="payment.").values_list("topic", flat=True))
    expected = {"authorized": ["payment.authorized"], "declined": ["payment.declined"]}
    expected |= {"failed": ["payment.failed"], "requires_action": []}
    assert [t for t in topics if t != "payment.status_changed"] == expected[status]


@pytestmark_db
def test_a_malformed_card_writes_nothing_anywhere():
    with pytest.raises(InvalidPaymentMethod) as caught:
        payment_authorize(
            amount=Money(1000, "EUR"),
            payment_method=card("4242 4242 4242 4241"),
            idempotency_key=new_key(),
            return_url=RETURN_URL,
        )
    assert caught.value.field == "number"
    for model in (Payment, ProviderCharge, ProviderIdempotencyKey, ProviderWebhook, OutboxEvent):
        assert not model.objects.exists()


@pytestmark_db
def test_the_full_card_number_is_stored_nowhere():
    for number in (SUCCEEDS, DECLINED, INSUFFICIENT_FUNDS, NEEDS_CONFIRMATION, PROCESSING_ERROR):
        payment = authorize(number)
        if payment.status == "authorized":
            payment_capture(payment_id=payment.pk)
    deliver_all()

    models = [Payment, Refund, PaymentEvent, OutboxEvent, StatusChange]
    models += [ProviderCharge, ProviderRefund, ProviderIdempotencyKey, ProviderWebhook]
    dump = serializers.serialize("json", [obj for model in models for obj in model.objects.all()])
    assert PaymentEvent.objects.exists() and ProviderWebhook.objects.exists()
    numbers = [n.replace(" ", "") for n in (SUCCEEDS, DECLINED, INSUFFICIENT_FUNDS, NEEDS_CONFIRMATION)]
    assert not [n for n in numbers if n in dump]
    # and no table at all holds one, including tables this test does not know about
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = repr(cursor.fetchall())
            assert not [n for n in numbers if n in rows], table
