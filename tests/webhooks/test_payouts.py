"""payout.paid: a payout run's payout reaches the seller paid, with its amounts."""

from __future__ import annotations

import json

import pytest

from galerie.core.models import OutboxEvent
from galerie.webhooks import handlers
from galerie.webhooks.models import WebhookDelivery
from galerie.webhooks.services import webhook_endpoint_create
from tests.checkout.conftest import shop as shop
from tests.web.test_money_pages import _payout_dir as _payout_dir
from tests.web.test_money_pages import member
from tests.web.test_money_pages import paid as paid

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_payout_reaches_the_seller_paid_and_no_other(paid, receiver):
    hook_a = webhook_endpoint_create(
        seller_id=paid.shop.seller_a.pk, url=receiver.url, event_types=["payout.paid"], by=paid.owner_a
    )
    owner_b = member(paid.shop.seller_b)
    hook_b = webhook_endpoint_create(
        seller_id=paid.shop.seller_b.pk, url=receiver.url, event_types=["payout.paid"], by=owner_b
    )

    [event] = OutboxEvent.objects.filter(topic="payout.paid")
    for _ in range(2):
        handlers.payout_paid(event)

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == hook_a and not hook_b.deliveries.exists()
    payout = json.loads(delivery.body)["data"]["payout"]
    assert payout["id"] == paid.payout.pk and payout["seller_id"] == paid.shop.seller_a.pk
    assert payout["amount"] == {"amount": paid.payout.amount_minor, "currency": "EUR"}
    assert payout["reserve"] == {"amount": paid.payout.reserve_minor, "currency": "EUR"}
