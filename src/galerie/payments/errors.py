"""Payment errors, each with a stable code (the API maps it to an HTTP status and a JSON body)."""

from galerie.core.errors import DomainError, InvalidInput


class PaymentNotFound(DomainError):
    code = "payment_not_found"
    http_status = 404


class UnknownGateway(DomainError):
    code = "unknown_gateway"
    http_status = 404


class InvalidPaymentMethod(InvalidInput):
    """The card (or other payment method) is malformed: ``errors`` names each field at fault."""

    code = "invalid_payment_method"


class IdempotencyKeyReused(DomainError):
    """The key was already used for a different operation (another amount, another payment)."""

    code = "idempotency_key_reused"
    http_status = 409


class PaymentNotCapturable(DomainError):
    code = "payment_not_capturable"
    http_status = 409


class PaymentNotVoidable(DomainError):
    code = "payment_not_voidable"
    http_status = 409


class PaymentNotRefundable(DomainError):
    code = "payment_not_refundable"
    http_status = 409


class RefundExceedsCaptured(DomainError):
    code = "refund_exceeds_captured"
    http_status = 409


class WebhookSignatureInvalid(DomainError):
    code = "webhook_signature_invalid"
    http_status = 400


class WebhookMalformed(DomainError):
    code = "webhook_malformed"
    http_status = 400


class GatewayError(DomainError):
    """The provider could not do what was asked; nothing was recorded on our side."""

    code = "gateway_error"
    http_status = 502


class GatewayUnavailable(GatewayError):
    """The provider could not be reached: the outcome is unknown, a retry with the same key is safe."""

    code = "gateway_unavailable"
    http_status = 503


class GatewayRefused(GatewayError):
    """The provider refused the request (e.g. capturing a voided payment)."""

    code = "gateway_refused"
    http_status = 409


class GatewayObjectNotFound(GatewayError):
    """The provider knows no payment or refund under this reference or idempotency key."""

    code = "gateway_object_not_found"
    http_status = 404


class CaptureExceedsPayment(DomainError):
    """The gateway reports capturing more than the payment's amount: recorded, not applied."""

    code = "capture_exceeds_payment"
    http_status = 422
