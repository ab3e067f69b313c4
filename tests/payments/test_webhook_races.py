"""A webhook racing the shop's recording of the provider's answer, with real connections.

Found by the webhook chaos test (tests/reliability/test_webhook_chaos.py): the handler looked the
payment up by the provider's reference, then, in a second query, by the idempotency key among
payments with no reference yet. An answer committed between the two queries made the event
match neither: it was recorded "unknown" and every redelivery of it was ignored.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from galerie.core.money import Money
from galerie.payments.models import Payment, PaymentEvent
from galerie.payments.services import payment_authorization_record, payment_authorize_send, webhook_handle
from galerie.payments.testgateway.models import ProviderWebhook
from galerie.payments.testgateway.webhooks import SIGNATURE_HEADER, sign
from tests.payments.conftest import RETURN_URL, card

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_event_whose_answer_is_recorded_while_it_looks_for_its_payment_still_finds_it():
    payment, answer = payment_authorize_send(
        amount=Money(2500, "EUR"),
        payment_method=card(),
        idempotency_key="race-1",
        return_url=RETURN_URL,
    )
    body = ProviderWebhook.objects.get(type="payment.authorized").body.encode()
    recorded = threading.Event()

    def record_the_answer() -> None:
        try:
            with transaction.atomic():
                payment_authorization_record(payment_id=payment.pk, result=answer)
        finally:
            connections.close_all()
            recorded.set()

    def answer_lands_after_the_first_lookup(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not recorded.is_set() and 'FROM "payments_payment"' in sql:
            # The shop's request commits the provider's answer (and its reference) right now,
            # from its own connection, while this webhook is looking for the payment.
            thread = threading.Thread(target=record_the_answer)
            thread.start()
            thread.join(timeout=30)
        return result

    with connection.execute_wrapper(answer_lands_after_the_first_lookup):
        event = webhook_handle(gateway="test", body=body, headers={SIGNATURE_HEADER: sign(body)})

    assert recorded.is_set()
    payment.refresh_from_db()
    assert (payment.status, payment.provider_reference) == ("authorized", answer.reference)
    assert (event.result, event.payment_id) == ("stale", payment.pk)  # not "unknown"
    assert PaymentEvent.objects.get().payment_id == payment.pk
    assert Payment.objects.count() == 1
