"""Checks every payment service makes before it writes or calls the gateway."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction

from galerie.core.errors import InvalidInput
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.payments.errors import PaymentNotFound
from galerie.payments.models import Payment


def outside_transaction(service: str) -> None:
    """Raise RuntimeError inside a transaction: no row lock may be held across a gateway call."""
    connection = transaction.get_connection()
    blocks = connection.atomic_blocks
    # Django's rule for durable atomic blocks: the transaction a Django test case wraps around
    # each test stands for "no transaction" and does not count.
    if connection.in_atomic_block and not (blocks and blocks[-1]._from_testcase):
        raise RuntimeError(
            f"{service}() calls the payment gateway: call it outside transaction.atomic(), so that"
            " no row lock is held while the provider answers."
        )


def check_key(key: object) -> str:
    """Return the idempotency key; raise InvalidInput unless it has 1 to 100 characters."""
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        raise InvalidInput({"idempotency_key": ["An idempotency key of 1 to 100 characters is required."]})
    return key


def check_amount(amount: object, currency: str | None = None) -> Money:
    """Return the amount; raise InvalidInput unless it is Money above zero (in ``currency``)."""
    if not isinstance(amount, Money) or amount.amount_minor <= 0:
        raise InvalidInput({"amount": ["The amount must be more than zero."]})
    if currency is not None and amount.currency != currency:
        raise InvalidInput({"amount": [f"This payment is in {currency}, not {amount.currency}."]})
    return amount


def check_return_url(url: object) -> str:
    """Return the URL; raise InvalidInput unless it is http(s) or a local path (no "//host")."""
    parts = urlsplit(url) if isinstance(url, str) else None
    absolute = parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)
    path = parts is not None and not parts.scheme and not parts.netloc and str(url).startswith("/")
    if not (absolute or path):
        raise InvalidInput(
            {"return_url": ["The return URL must be an http(s) address or a path starting with “/”."]}
        )
    return str(url)


def lock_payment(payment_id: int) -> Payment:
    """Lock and return a payment (inside a transaction); raise PaymentNotFound."""
    try:
        return lock_row(Payment.objects.all(), payment_id)
    except Payment.DoesNotExist:
        raise PaymentNotFound(f"There is no payment {payment_id}.") from None


def status_label(payment: Payment) -> str:
    """Return the payment's status for a sentence ("authorized", "being captured")."""
    return str(payment.get_status_display()).lower()
