"""What the storefront routers share: the storefront of the path, the guest caller, the cart token."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest

from galerie.accounts.models import User
from galerie.api.auth import CustomerCaller, customer_auth
from galerie.api.throttles import client_ip
from galerie.cart.models import Cart
from galerie.cart.selectors import cart_find
from galerie.core.errors import NotFound
from galerie.storefronts.closure import sells_on
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import VISIBLE

CART_TOKEN_PREFIX = "gct_"
CART_TOKEN_SALT = "galerie.api.cart-token"
CART_HEADER = "X-Cart-Token"


def visible_storefront(code: str) -> Storefront:
    """The storefront ``code`` if customers may see it (open, or closing), else NotFound: a draft,
    closed or transferred storefront has no API."""
    storefront = Storefront.objects.filter(code=code[:40], status__in=VISIBLE).first()
    if storefront is None:
        raise NotFound(f"No open storefront has the code {code[:40]!r}.", code="storefront_not_found")
    return storefront


def selling_storefront(code: str) -> Storefront:
    """The storefront ``code`` while it sells (open, or closing before its closing date); from its
    closing date its catalog lists nothing, as its pages do: NotFound."""
    storefront = visible_storefront(code)
    if not sells_on(storefront):
        raise NotFound(f"{storefront.name} sells nothing any more.", code="storefront_not_selling")
    return storefront


@dataclass(frozen=True)
class GuestCaller:
    """A visitor without a credential: their cart is the one their ``X-Cart-Token`` names. Rate
    limited per IP (``anonymous``), like every request without a credential."""

    cart_token: str
    ip: str
    anonymous = True

    def __str__(self) -> str:
        return f"guest:{self.ip}"


class Guest:
    """The last of a route's authentications: a request with no ``Authorization`` header at all
    is a guest; one with a credential that the others refused stays a 401."""

    openapi_optional = True  # the schema says a credential is optional (galerie.api.urls)

    def __call__(self, request: HttpRequest) -> GuestCaller | None:
        if request.headers.get("Authorization"):
            return None
        return GuestCaller(cart_token=request.headers.get(CART_HEADER, ""), ip=client_ip(request))


customer_or_guest = [*customer_auth, Guest()]


def caller_user(request: HttpRequest) -> User | None:
    """The signed-in customer calling, or None for a guest."""
    auth = request.auth  # type: ignore[attr-defined]
    return auth.user if isinstance(auth, CustomerCaller) else None


def cart_token(cart: Cart) -> str:
    """The token that names a guest cart in ``X-Cart-Token`` (signed: a cart's id alone is not enough)."""
    return CART_TOKEN_PREFIX + signing.dumps(cart.uuid.hex, salt=CART_TOKEN_SALT)


def guest_cart(request: HttpRequest, storefront: Storefront) -> Cart | None:
    """The guest cart ``X-Cart-Token`` names on this storefront, None without the header; a token
    that names no guest cart of this storefront is a 404."""
    raw = request.headers.get(CART_HEADER, "")
    if not raw:
        return None
    value = None
    if raw.startswith(CART_TOKEN_PREFIX) and len(raw) < 200:
        try:
            value = signing.loads(raw[len(CART_TOKEN_PREFIX) :], salt=CART_TOKEN_SALT)
        except signing.BadSignature:
            value = None
    cart = cart_find(storefront=storefront, cart_uuid=str(value)) if isinstance(value, str) else None
    if cart is None:
        raise NotFound(
            "This cart token names no guest cart of this storefront.",
            code="cart_not_found",
            field=CART_HEADER,
        )
    return cart


def caller_cart(request: HttpRequest, storefront: Storefront) -> Cart | None:
    """The caller's cart: a signed-in customer's own, else the guest cart of ``X-Cart-Token``."""
    user = caller_user(request)
    if user is not None:
        return cart_find(storefront=storefront, customer=user)
    return guest_cart(request, storefront)
