"""Writes to accounts: customers signing up."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import InvalidInput
from galerie.core.outbox import emit


@transaction.atomic
def customer_signup(*, email: str, password: str, full_name: str = "", language: str = "") -> User:
    """Create a customer account; raise InvalidInput naming each bad field, and create nothing."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Type a valid e-mail address, e.g. name@example.com.")]
    if "email" not in errors and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("An account already exists with this e-mail address: sign in instead.")]
    candidate = User(email=email, full_name=full_name.strip())
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name.strip()[:200], preferred_language=language
            )
    except IntegrityError:
        raise InvalidInput(
            {"email": [_("An account already exists with this e-mail address: sign in instead.")]}
        ) from None
    emit("customer.signed_up", user_id=user.pk)
    return user


@transaction.atomic
def customer_profile_update(*, user_id: int, full_name: str, transfer_consent: bool) -> User:
    """Save a customer's name and whether their account and orders may move with a storefront
    sold or merged (docs/merge-confirmations.md); a change of consent is recorded as an event."""
    user = User.objects.select_for_update().get(pk=user_id)
    full_name = (full_name or "").strip()[:200]
    changed = [
        name
        for name, value in (("full_name", full_name), ("transfer_consent", bool(transfer_consent)))
        if getattr(user, name) != value
    ]
    if not changed:
        return user
    consent_changed = user.transfer_consent != bool(transfer_consent)
    user.full_name, user.transfer_consent = full_name, bool(transfer_consent)
    user.save(update_fields=changed)
    if consent_changed:
        emit("customer.transfer_consent_changed", user_id=user.pk, transfer_consent=user.transfer_consent)
    return user
