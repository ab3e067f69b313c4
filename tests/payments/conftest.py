"""Helpers for the payments tests.

The services refuse to run inside a transaction (no lock across a gateway call); like Django's
durable atomic blocks, they ignore the one a test case wraps around each test, so most tests use
the plain ``django_db`` mark. The concurrency tests commit for real (``transaction=True``).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from galerie.core.money import Money
from galerie.payments.models import Payment
from galerie.payments.services import payment_authorize
from galerie.payments.testgateway.webhooks import deliver_due_webhooks

SUCCEEDS = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
INSUFFICIENT_FUNDS = "4000 0000 0000 9995"
NEEDS_CONFIRMATION = "4000 0000 0000 3220"
PROCESSING_ERROR = "4000 0000 0000 0119"
RETURN_URL = "https://shop.example.test/checkout/done/"

_keys = count(1)


def card(number: str = SUCCEEDS, **fields) -> dict:
    return {"type": "card", "number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123", **fields}


def new_key(prefix: str = "key") -> str:
    return f"{prefix}-{next(_keys)}"


def authorize(number: str = SUCCEEDS, *, amount: int = 2500, currency: str = "EUR", key: str = "") -> Payment:
    return payment_authorize(
        amount=Money(amount, currency),
        payment_method=card(number),
        idempotency_key=key or new_key("pay"),
        return_url=RETURN_URL,
        description="Order 1042",
    )


def deliver_all(*, order: str = "oldest") -> int:
    """Deliver every webhook scheduled so far, late ones included."""
    return deliver_due_webhooks(now=timezone.now() + timedelta(days=1), order=order)


@pytest.fixture
def webhooks(settings):
    """Set how the test provider delivers: ``webhooks(duplicate=True, delay_seconds=60, order="newest")``."""

    def configure(**behaviour) -> None:
        settings.GALERIE_TEST_GATEWAY_WEBHOOKS = behaviour

    return configure
