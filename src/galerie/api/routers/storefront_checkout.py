"""The checkout of a headless storefront: the signed-in customer's cart to a paid order, through
the same ``checkout_submit`` as the checkout page: never for more than the quote the client
showed (its fingerprint), once per ``Idempotency-Key`` (required here, passed to the service)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import HttpUrl, model_validator

from galerie.api.auth import customer_auth
from galerie.api.errors import ERROR_STATUSES, ErrorBody
from galerie.api.routers.storefront_common import visible_storefront
from galerie.api.routers.storefront_orders import OrderOut, customer, order_detail
from galerie.api.throttles import checkout_declined, checkout_refusal
from galerie.cart.selectors import cart_find
from galerie.checkout.errors import PaymentDeclined, PaymentOutcomeUnknown
from galerie.checkout.selectors import checkout_attempt_for
from galerie.checkout.services import CheckoutOutcome, checkout_return, checkout_submit
from galerie.core.errors import InvalidInput, NotFound
from galerie.orders.selectors import order_get_for_customer

router = Router(auth=customer_auth, tags=["storefront"])

KEY_HEADER = "Idempotency-Key"
KEY_LENGTH = (16, 64)  # what the checkout service keeps as the attempt's key


class AddressIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$", description="Five digits (France).")
    city: str = Field(min_length=1, max_length=100)
    country: str = Field("FR", pattern=r"^[A-Z]{2}$", description="FR: the storefronts deliver to France.")
    phone: str = Field("", max_length=20)


class CardIn(Schema):
    """The card as typed: sent to the payment gateway, never stored (its last four digits only)."""

    number: str = Field(pattern=r"^[\d ]{12,23}$")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^\d{3,4}$")
    holder: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _not_expired(self) -> CardIn:
        today = timezone.localdate()
        if (self.exp_year, self.exp_month) < (today.year, today.month):
            raise ValueError("exp_year: this card has expired.")
        return self


class CheckoutIn(Schema):
    address: AddressIn
    card: CardIn
    quote_fingerprint: str = Field(
        min_length=1, max_length=64, description="The cart's quote.fingerprint the customer was shown."
    )
    quote_shown: str = Field("", max_length=4000, description="The cart's quote.shown (says what changed).")
    return_url: HttpUrl | None = Field(
        None, description="Where the gateway sends the customer back after a confirmation step."
    )


class CheckoutOut(Schema):
    status: str = Field(
        description="completed (order placed), requires_action or reserved (payment under way)."
    )
    attempt_id: uuid.UUID = Field(description="For POST …/checkout/return after a confirmation step.")
    action_url: str | None = Field(description="requires_action: send the customer there, then call return.")
    order: OrderOut | None


def _key(request: HttpRequest) -> str:
    key = request.headers.get(KEY_HEADER, "").strip()
    low, high = KEY_LENGTH
    if not low <= len(key) <= high:
        raise InvalidInput(
            {KEY_HEADER: [f"A checkout needs an {KEY_HEADER} header of {low} to {high} characters."]}
        )
    return key


def _answer(request: HttpRequest, storefront: Any, outcome: CheckoutOutcome) -> Status[dict[str, Any]]:
    if outcome.status == "declined":
        raise PaymentDeclined(outcome.message or "Your payment did not go through.", field="card")
    if outcome.status in ("failed", "expired"):
        raise PaymentOutcomeUnknown(outcome.message or "The payment service did not answer: try again.")
    order = None
    if outcome.status == "completed" and outcome.order is not None:
        order = order_detail(
            order_get_for_customer(
                customer=customer(request).user, number=outcome.order.number, storefront=storefront
            )
        )
    body = {
        "status": outcome.status,
        "attempt_id": outcome.attempt.uuid,
        "action_url": outcome.action_url or None,
        "order": order,
    }
    return Status(201 if order is not None else 202, body)


RESPONSES = {
    201: CheckoutOut,
    202: CheckoutOut,
    **{status: ErrorBody for status in (*ERROR_STATUSES, 402, 503)},
}


@router.post(
    "/{code}/checkout",
    response=RESPONSES,
    summary="Place the caller's cart as an order and pay (Idempotency-Key required)",
)
def checkout(request: HttpRequest, code: str, payload: CheckoutIn) -> Status[dict[str, Any]]:
    storefront = visible_storefront(code)
    key = _key(request)
    user_id = customer(request).user.pk
    # Card testing: the storefront page's limits, counted with it (429 with Retry-After).
    checkout_refusal(request, user_id=user_id)
    try:
        outcome = _submit(request, storefront, payload, key)
    except InvalidInput as error:  # the service's own checks, named as the body names them
        raise InvalidInput({_field(name): messages for name, messages in error.errors.items()}) from None
    if outcome.status == "declined":
        checkout_declined(request, user_id=user_id)
    return _answer(request, storefront, outcome)


def _field(name: str) -> str:
    if name in AddressIn.model_fields:
        return f"address.{name}"
    if name in CardIn.model_fields:
        return f"card.{name}"
    return KEY_HEADER if name == "idempotency_key" else name


def _submit(request: HttpRequest, storefront: Any, payload: CheckoutIn, key: str) -> CheckoutOutcome:
    user = customer(request).user
    card = payload.card
    return checkout_submit(
        storefront=storefront,
        cart=cart_find(storefront=storefront, customer=user),
        customer=user,
        address=payload.address.model_dump(),
        payment_method={
            "type": "card",
            "number": card.number.replace(" ", ""),
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "cvc": card.cvc,
            "holder": card.holder,
        },
        idempotency_key=key,
        quote_fingerprint=payload.quote_fingerprint,
        quote_shown=payload.quote_shown,
        return_url=str(payload.return_url or request.build_absolute_uri(f"/s/{storefront.code}/")),
    )


class ReturnIn(Schema):
    attempt_id: uuid.UUID


@router.post(
    "/{code}/checkout/return",
    response=RESPONSES,
    summary="After the gateway's confirmation step: finish the checkout and get its outcome",
)
def checkout_back(request: HttpRequest, code: str, payload: ReturnIn) -> Status[dict[str, Any]]:
    storefront = visible_storefront(code)
    attempt = checkout_attempt_for(customer=customer(request).user, uuid=str(payload.attempt_id))
    if attempt is None or attempt.storefront_id != storefront.pk:
        raise NotFound(
            "There is no such checkout in your account.", code="checkout_not_found", field="attempt_id"
        )
    outcome = checkout_return(attempt=attempt)
    if outcome.status == "declined":
        checkout_declined(request, user_id=customer(request).user.pk)
    return _answer(request, storefront, outcome)
