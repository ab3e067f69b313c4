from galerie.core.errors import DomainError


class CheckoutNotPossible(DomainError):
    """The cart cannot be ordered as it is (unavailable offer, not enough stock …)."""

    code = "checkout_not_possible"
    http_status = 409


class PaymentDeclined(DomainError):
    code = "payment_declined"
    http_status = 402
