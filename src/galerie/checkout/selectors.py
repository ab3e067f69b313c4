"""Reads of checkout attempts, through their customer."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from galerie.accounts.models import User
from galerie.checkout.models import CheckoutAttempt


def checkout_attempt_for(
    *, customer: User | AnonymousUser, idempotency_key: str = "", uuid: str = ""
) -> CheckoutAttempt | None:
    """Return the customer's attempt with this key (or uuid), or None."""
    if not isinstance(customer, User) or not (idempotency_key or uuid):
        return None
    attempts = CheckoutAttempt.objects.filter(customer=customer)
    if idempotency_key:
        return attempts.filter(idempotency_key=idempotency_key[:64]).first()
    try:
        return attempts.filter(uuid=uuid).first()
    except ValidationError:  # a malformed uuid in the session
        return None
