"""Staff API keys: made from the command line (the key is shown once), revoked there or in the admin."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from galerie.accounts.models import User
from galerie.api.models import StaffApiToken
from galerie.core.errors import InvalidInput, NotFound, PermissionDenied
from galerie.core.outbox import emit

STAFF_PREFIX = "gls_"


def staff_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def staff_api_tokens() -> QuerySet[StaffApiToken]:
    return StaffApiToken.objects.select_related("user").order_by("-id")


@transaction.atomic
def staff_api_token_create(*, user: User, name: str) -> tuple[StaffApiToken, str]:
    """Create a key for ``user`` (an active staff user); return the row and the raw key, once."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput({"name": ["Name the key after what uses it (at most 80 characters)."]})
    if not user.is_staff or not user.is_active:
        raise PermissionDenied(f"{user.email} is not an active staff user: only staff hold operator keys.")
    raw = STAFF_PREFIX + secrets.token_urlsafe(32)
    token = StaffApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[len(STAFF_PREFIX) : len(STAFF_PREFIX) + 8],
        key_hash=staff_key_hash(raw),
    )
    emit("staff.api_token_created", token_id=token.pk, user_id=user.pk)
    return token, raw


@transaction.atomic
def staff_api_token_revoke(*, prefix: str) -> StaffApiToken:
    """Revoke the live key whose prefix is ``prefix`` (as listed); a revoked key stays listed."""
    tokens = list(StaffApiToken.objects.select_for_update().filter(prefix=prefix.removeprefix(STAFF_PREFIX)))
    if len(tokens) != 1:
        raise NotFound(f"No single staff key starts with {prefix!r}: see `galerie api key list`.")
    token = tokens[0]
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        emit("staff.api_token_revoked", token_id=token.pk, user_id=token.user_id)
    return token
