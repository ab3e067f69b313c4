"""API keys of a seller (docs/seller-staff-and-keys.md).

A key is ``glr_`` + 43 random URL-safe characters, shown once. The database keeps its SHA-256
(looked up through a unique index: no secret is compared character by character) and its first
eight characters after ``glr_`` so that a seller can tell its keys apart. A key acts with a role,
like a staff member, never above the role of whoever created it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import InvalidInput, PermissionDenied
from galerie.core.outbox import emit
from galerie.sellers.access import ROLE_PERMS, Perm
from galerie.sellers.errors import ApiTokenNotFound, RoleTooHigh
from galerie.sellers.models import Seller, SellerApiToken, SellerMember

Role = SellerMember.Role
KEY_PREFIX = "glr_"
PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = timedelta(minutes=1)
# A key may not act above its creator: the higher the number, the more a role may do.
ROLE_RANK: dict[str, int] = {Role.SHIPPING_CLERK: 1, Role.MANAGER: 2, Role.OWNER: 3}


def key_hash(raw_key: str) -> str:
    """Return the SHA-256 (hex) stored in place of a key."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


# --- reads (selectors: they never write) -------------------------------------------------------


def seller_api_tokens_for(*, seller: Seller) -> QuerySet[SellerApiToken]:
    """Return the seller's keys, live ones first, newest first, with their creators."""
    return (
        SellerApiToken.objects.filter(seller=seller)
        .select_related("created_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-id")
    )


def seller_api_token_authenticate(*, raw_key: str) -> tuple[Seller, str] | None:
    """Return (seller, role) for a live key of a seller that is not closed; None for anything else."""
    if not isinstance(raw_key, str) or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 100:
        return None
    digest = key_hash(raw_key)
    token = (
        SellerApiToken.objects.select_related("seller")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .exclude(seller__status=Seller.Status.CLOSED)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    return token.seller, token.role


# --- writes ----------------------------------------------------------------------------------


def _creator_role(seller_id: int, by: User) -> str:
    role = (
        SellerMember.objects.filter(seller_id=seller_id, user_id=by.pk).values_list("role", flat=True).first()
    )
    if role is None or Perm.MANAGE_TOKENS not in ROLE_PERMS.get(role, frozenset()):
        raise PermissionDenied(_("Only the shop's owners manage its API keys."))
    return role


@transaction.atomic
def seller_api_token_create(*, seller_id: int, name: str, role: str, by: User) -> tuple[SellerApiToken, str]:
    """Create an API key for the seller; return the row and the raw key, which is never stored.

    Raises PermissionDenied unless ``by`` may manage keys, RoleTooHigh if ``role`` exceeds theirs.
    """
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the key after what uses it, e.g. “ERP” or “Warehouse scanner”.")]
    elif len(name) > 80:
        errors["name"] = [_("At most 80 characters.")]
    if role not in Role.values:
        errors["role"] = [
            _("Choose one of the roles: %(names)s.") % {"names": ", ".join(map(str, Role.labels))}
        ]
    if errors:
        raise InvalidInput(errors)
    creator_role = _creator_role(seller_id, by)
    if ROLE_RANK[role] > ROLE_RANK.get(creator_role, 0):
        raise RoleTooHigh(_("A key cannot have more rights than your own role."), field="role")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = SellerApiToken.objects.create(
        seller_id=seller_id,
        name=name,
        role=role,
        prefix=raw_key[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LENGTH],
        key_hash=key_hash(raw_key),
        created_by=by,
    )
    emit(
        "seller.api_token_created",
        token_id=token.pk,
        seller_id=seller_id,
        role=role,
        by_user_id=by.pk,
    )
    return token, raw_key


@transaction.atomic
def seller_api_token_revoke(*, token_id: int, seller_id: int, by: User) -> SellerApiToken:
    """Revoke one of the seller's keys for good; raise ApiTokenNotFound for another seller's key."""
    _creator_role(seller_id, by)
    token = SellerApiToken.objects.select_for_update().filter(seller_id=seller_id, pk=token_id).first()
    if token is None:
        raise ApiTokenNotFound(_("This shop has no such API key."))
    if token.revoked_at is not None:
        return token  # a retried request: already done
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    emit("seller.api_token_revoked", token_id=token.pk, seller_id=seller_id, by_user_id=by.pk)
    return token


def seller_api_tokens_revoke_beyond(*, seller_id: int, user_id: int, role: str | None) -> int:
    """Revoke the live keys a staff member created that exceed their ``role`` now (None: removed
    from the staff, every key); return how many. Runs inside the staff change's transaction."""
    keys = SellerApiToken.objects.filter(seller_id=seller_id, created_by_id=user_id, revoked_at__isnull=True)
    if role is not None:
        keys = keys.filter(role__in=[r for r, rank in ROLE_RANK.items() if rank > ROLE_RANK[role]])
    ids = list(keys.values_list("pk", flat=True))
    if ids:
        SellerApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        emit("seller.api_tokens_revoked", seller_id=seller_id, token_ids=ids, user_id=user_id, role=role)
    return len(ids)


def seller_api_token_use(*, raw_key: str, now: datetime | None = None) -> SellerApiToken | None:
    """Authenticate a key and note when it was used, at most once a minute; return the live key
    (its seller and creator loaded: the API acts as the creator, within the key's role), or None.

    One conditional UPDATE (no lock): concurrent requests with the same key do not queue.
    """
    if not isinstance(raw_key, str) or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 100:
        return None
    digest = key_hash(raw_key)
    token = (
        SellerApiToken.objects.select_related("seller", "created_by")
        .filter(key_hash=digest, revoked_at__isnull=True, created_by__isnull=False)
        .exclude(seller__status=Seller.Status.CLOSED)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
        SellerApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token
