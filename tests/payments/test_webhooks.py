"""Webhooks: verified, processed once, and never moving a status backwards, whatever their order."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.payments.errors import WebhookMalformed, WebhookSignatureInvalid
from galerie.payments.gateway import TestGateway
from galerie.payments.models import Payment, PaymentEvent, Refund
from galerie.payments.services import payment_capture, payment_refund, webhook_handle
from galerie.payments.testgateway.models import ProviderWebhook
from galerie.payments.testgateway.webhooks import (
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    deliver_due_webhooks,
    sign,
    webhook_redeliver,
)
from tests.payments.conftest import authorize, deliver_all

pytestmark = pytest.mark.django_db


def status_history(payment: Payment) -> list[tuple[str, str]]:
    rows = StatusChange.objects.filter(model="payments.Payment", object_pk=str(payment.pk)).order_by("id")
    return list(rows.values_list("from_status", "to_status"))


def count(topic: str) -> int:
    return OutboxEvent.objects.filter(topic=topic).count()


def test_a_webhook_delivered_twice_is_processed_once(webhooks):
    webhooks(duplicate=True)
    payment = authorize()
    payment_capture(payment_id=payment.pk)

    assert deliver_all() == 4  # two events, each delivered twice, each accepted

    payment.refresh_from_db()
    assert payment.status == "captured"
    assert PaymentEvent.objects.count() == 2
    assert status_history(payment) == [
        ("pending", "authorized"),
        ("authorized", "capture_pending"),
        ("capture_pending", "captured"),
    ]
    assert count("payment.captured") == count("payment.authorized") == 1


def test_a_late_authorized_after_captured_does_not_move_the_status_back(webhooks):
    webhooks(order="newest")
    payment = authorize()
    payment_capture(payment_id=payment.pk)

    deliver_all()  # "payment.captured" first, then the older "payment.authorized"

    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == ("captured", payment.amount_minor)
    results = dict(PaymentEvent.objects.values_list("type", "result"))
    assert results == {"payment.captured": "applied", "payment.authorized": "stale"}
    assert status_history(payment)[-1] == ("capture_pending", "captured")


def test_a_captured_webhook_that_arrives_before_the_capture_answer_is_recorded(monkeypatch):
    real = TestGateway.capture

    def fast_webhooks(self, **kwargs):
        result = real(self, **kwargs)
        deliver_all()  # the provider's webhook overtakes its own answer
        return result

    monkeypatch.setattr(TestGateway, "capture", fast_webhooks)
    payment = authorize()

    payment = payment_capture(payment_id=payment.pk)

    assert payment.status == "captured"  # the answer "capture_pending" came later: ignored
    assert status_history(payment) == [("pending", "authorized"), ("authorized", "captured")]
    assert count("payment.captured") == 1


def test_an_authorized_webhook_before_the_authorize_answer_is_recorded(monkeypatch):
    real = TestGateway.authorize

    def fast_webhooks(self, **kwargs):
        result = real(self, **kwargs)
        deliver_all()
        return result

    monkeypatch.setattr(TestGateway, "authorize", fast_webhooks)
    payment = authorize()

    assert payment.status == "authorized"
    assert PaymentEvent.objects.get().result == "applied"  # matched by the idempotency key
    assert payment.provider_reference
    assert count("payment.authorized") == 1


def test_a_refund_webhook_before_the_refund_answer_is_recorded(monkeypatch):
    payment = authorize(amount=3000)
    payment_capture(payment_id=payment.pk)
    deliver_all()
    real = TestGateway.refund

    def fast_webhooks(self, **kwargs):
        result = real(self, **kwargs)
        deliver_all()
        return result

    monkeypatch.setattr(TestGateway, "refund", fast_webhooks)
    refund = payment_refund(payment_id=payment.pk, amount=Money(3000, "EUR"), idempotency_key="fast")

    assert refund.status == "succeeded" and refund.provider_reference
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_minor) == ("refunded", 3000)
    assert count("refund.succeeded") == 1


def test_late_webhooks_wait_for_their_time(webhooks):
    webhooks(delay_seconds=120)
    payment = authorize()
    payment_capture(payment_id=payment.pk)

    assert deliver_due_webhooks() == 0
    assert Payment.objects.get().status == "capture_pending"
    assert deliver_due_webhooks(now=timezone.now() + timedelta(seconds=121)) == 2
    assert Payment.objects.get().status == "captured"


def test_random_redeliveries_change_nothing_more(webhooks):
    payment = authorize(amount=8000)
    payment_capture(payment_id=payment.pk)
    deliver_all(order="random")
    payment_refund(payment_id=payment.pk, amount=Money(500, "EUR"), idempotency_key="r")
    deliver_all(order="random")
    snapshot = (
        list(Payment.objects.values_list("status", "captured_minor", "refunded_minor")),
        OutboxEvent.objects.count(),
        StatusChange.objects.count(),
    )

    for event_id in set(ProviderWebhook.objects.values_list("event_id", flat=True)):
        webhook_redeliver(event_id=event_id)
    assert deliver_all(order="random") == 3

    assert snapshot == (
        list(Payment.objects.values_list("status", "captured_minor", "refunded_minor")),
        OutboxEvent.objects.count(),
        StatusChange.objects.count(),
    )
    assert snapshot[0] == [("captured", 8000, 500)]
    assert Refund.objects.get().status == "succeeded"


def _signed_event() -> tuple[bytes, dict[str, str]]:
    payment = authorize()
    webhook = ProviderWebhook.objects.get()
    ProviderWebhook.objects.update(delivered_at=timezone.now())  # taken out of the queue: sent by hand
    body = webhook.body.encode()
    return body, {SIGNATURE_HEADER: sign(body), "Content-Type": "application/json"}, payment


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            lambda body, headers: (body.replace(b"authorized", b"captured"), headers),
            "does not match its body",
        ),
        (lambda body, headers: (body, {}), "has no Test-Gateway-Signature header"),
        (lambda body, headers: (body, {SIGNATURE_HEADER: "v1=abc"}), "is malformed"),
        (lambda body, headers: (body, {SIGNATURE_HEADER: sign(body, timestamp=1_600_000_000)}), "too old"),
    ],
    ids=["altered-body", "no-signature", "malformed-signature", "replayed"],
)
def test_a_bad_signature_is_rejected_and_changes_nothing(client, tamper, message):
    body, headers, payment = _signed_event()
    body, headers = tamper(body, headers)
    before = (OutboxEvent.objects.count(), StatusChange.objects.count())

    with pytest.raises(WebhookSignatureInvalid, match=message):
        webhook_handle(gateway="test", body=body, headers=headers)
    response = client.post(
        reverse("payments:webhook", args=["test"]),
        body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_signature_invalid"
    assert not PaymentEvent.objects.exists()
    assert (OutboxEvent.objects.count(), StatusChange.objects.count()) == before
    assert Payment.objects.get(pk=payment.pk).status == "authorized"


def test_a_signed_body_that_is_not_an_event_is_rejected():
    body = b'{"hello": "world"}'
    with pytest.raises(WebhookMalformed):
        webhook_handle(gateway="test", body=body, headers={SIGNATURE_HEADER: sign(body)})
    assert not PaymentEvent.objects.exists()


def test_the_webhook_view_answers_200_then_200_for_the_duplicate():
    client = Client(enforce_csrf_checks=True)  # a provider has no CSRF token: the view is exempt
    body, headers, payment = _signed_event()
    url = reverse("payments:webhook", args=["test"])
    assert url == "/payments/webhooks/test/"
    signature = {SIGNATURE_HEADER: headers[SIGNATURE_HEADER]}

    first = client.post(url, body, content_type="application/json", headers=signature)
    second = client.post(url, body, content_type="application/json", headers=signature)

    assert (first.status_code, first.json()) == (200, {"received": True, "duplicate": False})
    assert (second.status_code, second.json()) == (200, {"received": True, "duplicate": True})
    assert PaymentEvent.objects.get().payment_id == payment.pk
    assert client.get(url).status_code == 405
    assert client.post("/payments/webhooks/acme/", body, content_type="application/json").status_code == 404


def test_an_event_about_an_unknown_payment_is_recorded_and_ignored():
    body = json.dumps(
        {
            "id": "tevt_elsewhere",
            "type": "payment.captured",
            "created": 1,
            "data": {
                "object": {
                    "object": "charge",
                    "reference": "tch_unknown",
                    "idempotency_key": "authorize:not-ours",
                    "status": "captured",
                    "amount_minor": 100,
                    "currency": "EUR",
                    "captured_minor": 100,
                    "refunded_minor": 0,
                }
            },
        }
    ).encode()
    event = webhook_handle(gateway="test", body=body, headers={SIGNATURE_HEADER: sign(body)})
    assert (event.result, event.payment) == ("unknown", None)


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((body, self.headers[SIGNATURE_HEADER]))
        self.send_response(_Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received, _Receiver.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.GALERIE_PAYMENT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/payments/webhooks/test/"
    yield _Receiver
    server.shutdown()
    server.server_close()


def test_with_a_webhook_url_the_signed_body_is_posted_over_http(receiver):
    authorize()
    assert deliver_due_webhooks() == 1
    ((body, signature),) = receiver.received
    assert json.loads(body)["type"] == "payment.authorized"
    TestGateway().parse_webhook(body, {SIGNATURE_HEADER: signature})  # verifies
    assert ProviderWebhook.objects.get().delivered_at is not None


def test_a_refused_delivery_is_retried_later_with_back_off(receiver):
    receiver.status = 500
    authorize()
    assert deliver_due_webhooks() == 0
    webhook = ProviderWebhook.objects.get()
    assert (webhook.attempts, webhook.last_error, webhook.delivered_at) == (1, "HTTP 500", None)
    assert webhook.scheduled_at > timezone.now()
    assert deliver_due_webhooks() == 0  # not due yet

    receiver.status = 200
    assert deliver_all() == 1
    assert ProviderWebhook.objects.get().attempts == 2
    ProviderWebhook.objects.update(delivered_at=None, attempts=MAX_ATTEMPTS)
    assert deliver_all() == 0  # given up after MAX_ATTEMPTS


def test_the_delivery_job_is_registered():
    from galerie.core.jobs import JOBS
    from galerie.payments import jobs

    job = JOBS["payments.test_webhooks"]
    assert (job.every_seconds, job.run) == (1, deliver_due_webhooks)
    assert "payments.reconcile" in JOBS and jobs.payments_reconcile() == 0
