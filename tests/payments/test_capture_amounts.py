"""A signed capture webhook is applied only for the payment's amount and currency.
Another amount or currency is recorded as a discrepancy for the operator and not
applied; an amount above the payment's is answered 422 with the reason, never a 500."""

from __future__ import annotations

import json

import pytest
from django.db.models import Q

from galerie.core.models import OutboxEvent
from galerie.ledger.models import JournalEntry
from galerie.payments.models import Payment, PaymentDiscrepancy, PaymentEvent
from galerie.payments.testgateway.models import ProviderWebhook
from galerie.payments.testgateway.webhooks import SIGNATURE_HEADER, sign
from tests.checkout.conftest import SUCCESS, capture_placed_orders, new_key
from tests.checkout.conftest import shop as shop  # the fixture
from tests.factories import make_user
from tests.payments.conftest import deliver_all

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/payments/webhooks/test/"


@pytest.fixture
def placed(shop):
    """A 95.18 € order whose capture was asked for; the provider's capture webhook held back."""
    from galerie.checkout.services import checkout_place_order

    outcome = checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer,
        address={"name": "A B", "line1": "1 rue X", "postal_code": "69003", "city": "Lyon"},
        payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
    )  # fmt: skip
    assert outcome.status == "completed"
    capture_placed_orders()  # the worker's capture on order.placed
    deliver_all_but_captures()
    payment = Payment.objects.get()
    assert (payment.status, payment.amount_minor, payment.captured_minor) == ("capture_pending", 9518, 0)
    return payment


def deliver_all_but_captures() -> None:
    captured = ProviderWebhook.objects.filter(type="payment.captured", delivered_at__isnull=True)
    held = list(captured.values_list("pk", flat=True))
    captured.update(attempts=99)  # out of the queue until the others are delivered
    deliver_all()
    ProviderWebhook.objects.filter(pk__in=held).update(attempts=0)


def forged_capture(**changes) -> tuple[bytes, dict[str, str]]:
    """The provider's real capture event with other figures, signed like the provider signs."""
    data = json.loads(ProviderWebhook.objects.filter(type="payment.captured").first().body)
    data["id"] = f"{data['id']}-{'-'.join(f'{k}{v}' for k, v in changes.items())}"
    data["data"]["object"].update(changes)
    body = json.dumps(data).encode()
    return body, {SIGNATURE_HEADER: sign(body)}


def post(client, body: bytes, headers: dict[str, str]):
    return client.post(URL, body, content_type="application/json", headers=headers)


def nothing_captured(payment: Payment) -> None:
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == ("capture_pending", 0)
    assert not OutboxEvent.objects.filter(topic="payment.captured").exists()
    assert not JournalEntry.objects.filter(Q(kind="capture") | Q(kind="allocation")).exists()


def test_a_capture_of_one_cent_is_recorded_as_a_discrepancy_and_does_not_pay_the_order(client, placed):
    body, headers = forged_capture(amount_minor=1, captured_minor=1)

    response = post(client, body, headers)

    assert response.status_code == 200  # received and recorded: the gateway need not retry
    assert PaymentEvent.objects.get(event_id=json.loads(body)["id"]).result == "mismatch"
    nothing_captured(placed)
    found = PaymentDiscrepancy.objects.get()
    assert (found.payment, found.kind, found.expected_minor, found.reported_minor) == (
        placed, "amount_below", 9518, 1,
    )  # fmt: skip
    assert found.event.event_id == json.loads(body)["id"]
    # The operator sees it on the reconciliation page.
    client.force_login(make_user(is_staff=True))
    page = client.get("/back-office/money/reconciliation/")
    assert page.context["discrepancies"] == [found]
    text = page.content.decode()
    assert "Captured less than the payment" in text and str(placed.uuid) in text
    # The genuine capture still completes the payment.
    deliver_all()
    placed.refresh_from_db()
    assert (placed.status, placed.captured_minor) == ("captured", 9518)


def test_a_capture_in_another_currency_is_a_discrepancy(client, placed):
    body, headers = forged_capture(currency="USD")

    assert post(client, body, headers).status_code == 200

    nothing_captured(placed)
    found = PaymentDiscrepancy.objects.get()
    assert (found.kind, found.reported_minor, found.reported_currency) == ("currency", 9518, "USD")


def test_a_capture_above_the_payment_is_refused_with_the_reason_not_a_server_error(client, placed):
    body, headers = forged_capture(amount_minor=9518, captured_minor=951800)

    first = post(client, body, headers)
    again = post(client, body, {SIGNATURE_HEADER: sign(body)})  # the gateway retries it

    for response in (first, again):
        assert response.status_code == 422
        assert response.json()["code"] == "capture_exceeds_payment"
        assert "9518.00 EUR is more than payment" in response.json()["message"]
        assert "95.18 EUR" in response.json()["message"]
    nothing_captured(placed)
    found = PaymentDiscrepancy.objects.get()
    assert (found.kind, found.expected_minor, found.reported_minor) == ("amount_above", 9518, 951800)
    assert PaymentEvent.objects.filter(result="mismatch").count() == 1


def test_the_exact_capture_is_applied_as_before(client, placed):
    body, headers = forged_capture()  # the provider's figures, a new event id
    assert post(client, body, headers).status_code == 200
    placed.refresh_from_db()
    assert (placed.status, placed.captured_minor) == ("captured", 9518)
    assert not PaymentDiscrepancy.objects.exists()
