from galerie.core.errors import DomainError
from galerie.pricing.quote import QuoteChange


class CheckoutNotPossible(DomainError):
    """The cart cannot be ordered as it is (unavailable offer, not enough stock …)."""

    code = "checkout_not_possible"
    http_status = 409


class QuoteChanged(DomainError):
    """The order is no longer the one the checkout page showed (a price, a quantity, shipping…):
    nothing was taken or charged; the customer must confirm the new total."""

    code = "checkout_quote_changed"
    http_status = 409

    def __init__(
        self,
        message: str,
        *,
        changes: list[QuoteChange],
        currency: str,
        total_minor: int,
        previous_total_minor: int | None,
        fingerprint: str,
    ) -> None:
        super().__init__(message, field="quote_fingerprint")
        self.changes = changes
        self.currency = currency
        self.total_minor = total_minor
        self.previous_total_minor = previous_total_minor
        self.fingerprint = fingerprint


class PaymentDeclined(DomainError):
    """The gateway declined the payment: nothing was charged and the stock was given back; a new
    checkout (a new idempotency key) may try another card."""

    code = "payment_declined"
    http_status = 402


class PaymentOutcomeUnknown(DomainError):
    """The gateway did not answer: nothing is known yet, the stock stays reserved. Retrying with
    the same idempotency key asks again (and never charges twice)."""

    code = "payment_outcome_unknown"
    http_status = 503
