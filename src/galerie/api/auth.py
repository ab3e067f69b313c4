"""Who calls: a seller's key (``glr_``), a staff key (``gls_``) or a customer (``glc_`` token or
the storefront's session cookie). Each authentication returns a caller object that the routers
check permissions on; a wrong key is a 401, counted per IP (a key guesser is throttled)."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import Throttled
from ninja.security import APIKeyCookie, HttpBearer

from galerie.accounts.models import User
from galerie.api.models import StaffApiToken
from galerie.api.services import STAFF_PREFIX, staff_key_hash
from galerie.api.throttles import failed_auth_count, failed_auth_wait
from galerie.core.errors import PermissionDenied
from galerie.sellers.access import ROLE_PERMS, Perm
from galerie.sellers.models import Seller, SellerApiToken
from galerie.sellers.services.tokens import LAST_USED_RESOLUTION, seller_api_token_use

CUSTOMER_PREFIX = "glc_"
CUSTOMER_TOKEN_SALT = "galerie.api.customer-token"
CUSTOMER_TOKEN_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True)
class SellerCaller:
    """A seller's system: the key, its seller, and the user the services act as (its creator)."""

    token: SellerApiToken
    perms: frozenset[Perm] = field(default_factory=frozenset)

    @property
    def seller(self) -> Seller:
        return self.token.seller

    @property
    def user(self) -> User:
        user = self.token.created_by
        assert user is not None  # seller_api_token_use returns keys whose creator exists
        return user

    def require(self, perm: Perm) -> None:
        if perm not in self.perms:
            what = perm.value.replace("_", " ")
            raise PermissionDenied(f"This key's role ({self.token.role}) may not {what}.")

    def __str__(self) -> str:  # the throttles' identity: never the raw key
        return f"seller-key:{self.token.pk}"


@dataclass(frozen=True)
class StaffCaller:
    """The operator's automation: a staff user's key, with that user's permissions."""

    token: StaffApiToken

    @property
    def user(self) -> User:
        return self.token.user

    def require(self, *perms: str) -> None:
        missing = [p for p in perms if not self.user.has_perm(p)]
        if missing:
            raise PermissionDenied(f"This key's user lacks the permission {', '.join(missing)}.")

    def __str__(self) -> str:
        return f"staff-key:{self.token.pk}"


@dataclass(frozen=True)
class CustomerCaller:
    user: User

    def __str__(self) -> str:
        return f"customer:{self.user.pk}"


def _guarded(request: HttpRequest) -> None:
    if (wait := failed_auth_wait(request)) is not None:
        raise Throttled(wait=math.ceil(wait))


class SellerKey(HttpBearer):
    """``Authorization: Bearer glr_…``: a key made in the seller area (/sell/tokens/)."""

    openapi_description = "A seller's API key (glr_…), made by an owner in the seller area."

    def authenticate(self, request: HttpRequest, token: str) -> SellerCaller | None:
        if not token.startswith("glr_"):
            return None  # another kind of key: the next authentication may take it
        _guarded(request)
        found = seller_api_token_use(raw_key=token)
        if found is None:
            failed_auth_count(request)
            return None
        return SellerCaller(token=found, perms=ROLE_PERMS.get(found.role, frozenset()))


class StaffKey(HttpBearer):
    """``Authorization: Bearer gls_…``: a staff user's key (``galerie api-key create``)."""

    openapi_description = "An operator staff key (gls_…), acting with its user's permissions."

    def authenticate(self, request: HttpRequest, token: str) -> StaffCaller | None:
        if not token.startswith(STAFF_PREFIX) or len(token) > 100:
            return None
        _guarded(request)
        digest = staff_key_hash(token)
        found = (
            StaffApiToken.objects.select_related("user")
            .filter(key_hash=digest, revoked_at__isnull=True, user__is_active=True, user__is_staff=True)
            .first()
        )
        if found is None or not hmac.compare_digest(found.key_hash, digest):
            failed_auth_count(request)
            return None
        now = timezone.now()
        if found.last_used_at is None or found.last_used_at <= now - LAST_USED_RESOLUTION:
            StaffApiToken.objects.filter(pk=found.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)
        return StaffCaller(token=found)


def _password_stamp(user: User) -> str:
    # A new password (or a reset) ends every token made before it.
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:16]


def customer_token_make(user: User) -> str:
    """A signed token for a customer's headless session: 30 days, ended by a password change."""
    data = {"u": user.pk, "p": _password_stamp(user)}
    return CUSTOMER_PREFIX + signing.dumps(data, salt=CUSTOMER_TOKEN_SALT)


def customer_token_user(raw: str) -> User | None:
    if not raw.startswith(CUSTOMER_PREFIX) or len(raw) > 300:
        return None
    try:
        signed = raw[len(CUSTOMER_PREFIX) :]
        data = signing.loads(signed, salt=CUSTOMER_TOKEN_SALT, max_age=CUSTOMER_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not hmac.compare_digest(_password_stamp(user), str(data.get("p", ""))):
        return None
    return user


class CustomerToken(HttpBearer):
    """``Authorization: Bearer glc_…``: from ``POST /api/v1/storefronts/{code}/auth/token``."""

    openapi_description = "A customer's token (glc_…), from the storefront API's sign-in."

    def authenticate(self, request: HttpRequest, token: str) -> CustomerCaller | None:
        if not token.startswith(CUSTOMER_PREFIX):
            return None
        _guarded(request)
        user = customer_token_user(token)
        if user is None:
            failed_auth_count(request)
            return None
        return CustomerCaller(user=user)


class CustomerSession(APIKeyCookie):
    """The storefront's own session cookie, for a page script on the same site (CSRF checked)."""

    param_name = "sessionid"
    openapi_description = "The storefront's session cookie (same site; send X-CSRFToken on writes)."

    def authenticate(self, request: HttpRequest, key: str | None) -> CustomerCaller | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return CustomerCaller(user=user)
        return None


seller_key = SellerKey()
staff_key = StaffKey()
customer_auth = [CustomerToken(), CustomerSession()]
