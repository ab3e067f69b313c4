"""The storefront API: a headless storefront's catalog, cart and checkout, and the customer's orders."""

from __future__ import annotations

import math

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import Throttled

from galerie.api.auth import CUSTOMER_TOKEN_MAX_AGE, customer_token_make
from galerie.api.routers import storefront_cart, storefront_catalog, storefront_checkout, storefront_orders
from galerie.api.routers.storefront_common import visible_storefront
from galerie.api.schemas import replies
from galerie.api.throttles import failed_auth_count, failed_auth_wait
from galerie.core.errors import PermissionDenied
from galerie.storefronts.models import Storefront

router = Router(tags=["storefront"])
storefront_open = visible_storefront  # open, or closing: a draft or closed one is a 404


class StorefrontOut(Schema):
    code: str
    name: str
    language: str
    currency: str


@router.get("/", response=replies(list[StorefrontOut]), auth=None, summary="The open storefronts")
def storefronts(request: HttpRequest) -> list[dict[str, object]]:
    rows = Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("code")
    return [
        {"code": s.code, "name": s.name, "language": s.default_language, "currency": s.currency} for s in rows
    ]


class SignIn(Schema):
    email: str
    password: str


class TokenOut(Schema):
    token: str
    expires_in: int


@router.post(
    "/{code}/auth/token",
    response=replies(TokenOut),
    auth=None,
    summary="Sign a customer in: a token for 'Authorization: Bearer glc_…' (30 days)",
)
def sign_in(request: HttpRequest, code: str, payload: SignIn) -> dict[str, object]:
    storefront_open(code)
    if (wait := failed_auth_wait(request, account=payload.email)) is not None:
        raise Throttled(wait=math.ceil(wait))  # the right password too, like the sign-in page
    user = authenticate(request, username=payload.email.strip().lower(), password=payload.password)
    if user is None or not user.is_active:
        failed_auth_count(request, account=payload.email)
        raise PermissionDenied("Wrong e-mail address or password.", code="wrong_credentials")
    return {"token": customer_token_make(user), "expires_in": CUSTOMER_TOKEN_MAX_AGE}


router.add_router("/", storefront_catalog.router)
router.add_router("/", storefront_cart.router)
router.add_router("/", storefront_checkout.router)
router.add_router("/", storefront_orders.router)
