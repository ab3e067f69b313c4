"""The payment gateway interface: the one extension point of Galerie.

A provider plugs in as a subclass of :class:`PaymentGateway` registered in :data:`GATEWAYS`;
``settings.GALERIE_PAYMENT_GATEWAY`` (default ``"test"``) picks the one new payments use. No
dynamic loading: adding a provider is adding a class and a line to the dict.

Every call that changes something at the provider takes an idempotency key that belongs to
the logical operation: the same key gives the same result and charges once.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.conf import settings

from galerie.core.money import Money
from galerie.payments.errors import UnknownGateway, WebhookMalformed
from galerie.payments.testgateway import services as provider
from galerie.payments.testgateway import webhooks as provider_webhooks
from galerie.payments.testgateway.cards import card_check


class GatewayStatus(enum.StrEnum):
    """A payment's status at the provider."""

    AUTHORIZED = "authorized"
    REQUIRES_ACTION = "requires_action"
    DECLINED = "declined"
    CAPTURE_PENDING = "capture_pending"
    CAPTURED = "captured"
    VOIDED = "voided"
    REFUNDED = "refunded"
    FAILED = "failed"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class RefundResult:
    status: RefundStatus
    reference: str
    payment_reference: str
    amount: Money
    idempotency_key: str = ""  # the key the refund was made with, when the provider reports it


@dataclass(frozen=True)
class GatewayResult:
    """What the provider says about a payment, after a call or in a webhook."""

    status: GatewayStatus
    reference: str
    amount: Money
    captured_minor: int = 0
    refunded_minor: int = 0
    fee_minor: int = 0  # the provider's fee on the capture, in the payment's currency (0: none said)
    card_last4: str = ""
    decline_code: str = ""
    decline_message: str = ""  # for the customer: "Your card was declined."
    action_url: str = ""  # where the customer confirms (status requires_action)
    idempotency_key: str = ""  # the key the payment was authorized with, when the provider reports it
    refunds: tuple[RefundResult, ...] = ()  # filled by retrieve()


@dataclass(frozen=True)
class WebhookEvent:
    """A verified notification: ``payment`` or ``refund`` is the object's state when it was sent."""

    id: str
    type: str
    created_at: datetime
    payment: GatewayResult | None = None
    refund: RefundResult | None = None
    payload: dict[str, Any] = field(default_factory=dict, compare=False)


class PaymentGateway:
    """Base class of the payment providers. Each method is one request to the provider.

    Methods raise GatewayUnavailable when the provider cannot be reached (outcome unknown:
    retry with the same key), GatewayRefused when it refuses the request, GatewayObjectNotFound
    for an unknown reference. They are called outside any database transaction.
    """

    name: ClassVar[str]

    def check_payment_method(self, payment_method: dict[str, Any]) -> str:
        """Check the payment method's form before anything is written; return its last 4 digits.

        Raise InvalidPaymentMethod naming each field at fault.
        """
        raise NotImplementedError

    def authorize(
        self,
        *,
        amount: Money,
        payment_method: dict[str, Any],
        idempotency_key: str,
        return_url: str,
        description: str,
    ) -> GatewayResult:
        """Reserve ``amount``: authorized, requires_action (see action_url), declined or failed."""
        raise NotImplementedError

    def capture(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayResult:
        """Collect an authorized payment: capture_pending (a webhook confirms) or captured."""
        raise NotImplementedError

    def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        """Release an authorization that will not be captured."""
        raise NotImplementedError

    def refund(self, *, reference: str, amount: Money, idempotency_key: str) -> RefundResult:
        """Give back part or all of a captured payment: pending (a webhook confirms) or succeeded."""
        raise NotImplementedError

    def retrieve(self, *, reference: str = "", idempotency_key: str = "") -> GatewayResult:
        """Return the payment's current state at the provider, with its refunds."""
        raise NotImplementedError

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the webhook's signature and read it; raise WebhookSignatureInvalid or WebhookMalformed."""
        raise NotImplementedError


def _money(obj: dict[str, Any]) -> Money:
    return Money(int(obj["amount_minor"]), str(obj["currency"]))


def _test_refund(obj: dict[str, Any]) -> RefundResult:
    return RefundResult(
        status=RefundStatus(obj["status"]),
        reference=obj["reference"],
        payment_reference=obj["charge"],
        amount=_money(obj),
        idempotency_key=obj.get("idempotency_key", ""),
    )


def _test_result(obj: dict[str, Any]) -> GatewayResult:
    return GatewayResult(
        status=GatewayStatus(obj["status"]),
        reference=obj["reference"],
        amount=_money(obj),
        captured_minor=int(obj["captured_minor"]),
        refunded_minor=int(obj["refunded_minor"]),
        fee_minor=int(obj.get("fee_minor", 0)),
        card_last4=obj.get("card_last4", ""),
        decline_code=obj.get("decline_code", ""),
        decline_message=obj.get("decline_message", ""),
        action_url=obj.get("action_url", ""),
        idempotency_key=obj.get("idempotency_key", ""),
        refunds=tuple(_test_refund(refund) for refund in obj.get("refunds", ())),
    )


class TestGateway(PaymentGateway):
    """The built-in test provider (``payments/testgateway``): test cards, a hosted confirmation
    page, asynchronous captures and refunds, signed webhooks that may come twice, late or out of
    order. It moves no money."""

    __test__ = False  # not a pytest test class
    name = "test"

    def check_payment_method(self, payment_method: dict[str, Any]) -> str:
        return card_check(payment_method).last4

    def authorize(
        self,
        *,
        amount: Money,
        payment_method: dict[str, Any],
        idempotency_key: str,
        return_url: str,
        description: str,
    ) -> GatewayResult:
        return _test_result(
            provider.charge_authorize(
                amount_minor=amount.amount_minor,
                currency=amount.currency,
                payment_method=payment_method,
                idempotency_key=idempotency_key,
                return_url=return_url,
                description=description,
            )
        )

    def capture(self, *, reference: str, amount: Money, idempotency_key: str) -> GatewayResult:
        return _test_result(
            provider.charge_capture(
                reference=reference, amount_minor=amount.amount_minor, idempotency_key=idempotency_key
            )
        )

    def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        return _test_result(provider.charge_void(reference=reference, idempotency_key=idempotency_key))

    def refund(self, *, reference: str, amount: Money, idempotency_key: str) -> RefundResult:
        return _test_refund(
            provider.refund_create(
                reference=reference, amount_minor=amount.amount_minor, idempotency_key=idempotency_key
            )
        )

    def retrieve(self, *, reference: str = "", idempotency_key: str = "") -> GatewayResult:
        return _test_result(provider.charge_retrieve(reference=reference, idempotency_key=idempotency_key))

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        lowered = {name.lower(): value for name, value in headers.items()}
        provider_webhooks.verify(body, lowered.get(provider_webhooks.SIGNATURE_HEADER.lower()))
        try:
            data = json.loads(body)
            obj = data["data"]["object"]
            kind = obj["object"]
            return WebhookEvent(
                id=str(data["id"]),
                type=str(data["type"]),
                created_at=datetime.fromtimestamp(int(data["created"]), UTC),
                payment=_test_result(obj) if kind == "charge" else None,
                refund=_test_refund(obj) if kind == "refund" else None,
                payload=data,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise WebhookMalformed(f"The webhook body is not a test gateway event ({error}).") from None


GATEWAYS: dict[str, type[PaymentGateway]] = {"test": TestGateway}


def get_gateway(name: str | None = None) -> PaymentGateway:
    """Return the gateway called ``name``, by default the configured one; raise UnknownGateway."""
    name = name or str(getattr(settings, "GALERIE_PAYMENT_GATEWAY", "test"))
    try:
        return GATEWAYS[name]()
    except KeyError:
        raise UnknownGateway(
            f"There is no payment gateway “{name}” (known: {', '.join(sorted(GATEWAYS))}).", field="gateway"
        ) from None
