"""The retention purge: stale guest carts and expired sessions go; the rest stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from galerie.cart.models import Cart
from galerie.core.jobs import JOBS
from galerie.privacy.services import GUEST_CART_DAYS, retention_purge
from tests.factories import make_storefront, make_user

pytestmark = pytest.mark.django_db


def test_stale_guest_carts_and_expired_sessions_go(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    storefront = make_storefront()
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=GUEST_CART_DAYS + 1), tick=False):
        stale = Cart.objects.create(storefront=storefront)
        customers = Cart.objects.create(storefront=storefront, customer=make_user())
    with time_machine.travel(now - timedelta(days=GUEST_CART_DAYS - 1), tick=False):
        recent = Cart.objects.create(storefront=storefront)
    Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(seconds=1))
    Session.objects.create(session_key="live", session_data="x", expire_date=now + timedelta(days=1))
    # when the purge runs
    counts = retention_purge(now=now)
    # then only the stale guest cart and the expired session went
    assert counts == {"guest_carts": 1, "sessions": 1, "webhook_deliveries": 0, "checkout_addresses": 0}
    assert set(Cart.objects.values_list("pk", flat=True)) == {customers.pk, recent.pk}
    assert not Cart.objects.filter(pk=stale.pk).exists()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_the_worker_runs_it():
    import galerie.privacy.jobs  # noqa: F401

    assert "privacy.retention" in JOBS


def test_old_webhook_deliveries_go_unless_still_being_sent():
    from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
    from galerie.webhooks.services import WEBHOOK_DELIVERY_KEPT_DAYS
    from tests.factories import make_seller

    endpoint = WebhookEndpoint.objects.create(seller=make_seller(), url="https://x.example.test/", secret="s")
    now = timezone.now()

    def delivery(status: str, days: int) -> WebhookDelivery:
        with time_machine.travel(now - timedelta(days=days), tick=False):
            return WebhookDelivery.objects.create(
                endpoint=endpoint, event_uuid=uuid.uuid4(), event_type="order.placed", body="{}",
                status=status, next_attempt_at=timezone.now(),
            )  # fmt: skip

    old_done, old_pending = delivery("delivered", WEBHOOK_DELIVERY_KEPT_DAYS + 1), delivery("pending", 400)
    recent = delivery("dead", WEBHOOK_DELIVERY_KEPT_DAYS - 1)
    assert retention_purge(now=now)["webhook_deliveries"] == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}
    assert not WebhookDelivery.objects.filter(pk=old_done.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_settled_checkout_attempts_forget_the_typed_address():
    from galerie.checkout.models import CheckoutAttempt
    from galerie.checkout.services import CHECKOUT_ADDRESS_KEPT_DAYS
    from tests.privacy.conftest import ADDRESS, make_world

    world = make_world()
    attempt = CheckoutAttempt.objects.get(order=world.order)
    assert attempt.address["line1"] == ADDRESS["line1"]
    settled_at = attempt.updated_at
    # a day before the end of the period: kept
    before = retention_purge(now=settled_at + timedelta(days=CHECKOUT_ADDRESS_KEPT_DAYS - 1))
    assert before["checkout_addresses"] == 0
    assert CheckoutAttempt.objects.get(pk=attempt.pk).address == attempt.address
    # a day after: emptied, the order keeps its own copy
    after = retention_purge(now=settled_at + timedelta(days=CHECKOUT_ADDRESS_KEPT_DAYS + 1))
    assert after["checkout_addresses"] == 1
    assert CheckoutAttempt.objects.get(pk=attempt.pk).address == {}
    world.order.refresh_from_db()
    assert world.order.ship_line1 == ADDRESS["line1"]
