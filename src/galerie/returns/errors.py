from galerie.core.errors import DomainError, NotFound


class ReturnNotFound(NotFound):
    code = "return_not_found"
    http_status = 404


class WithdrawalNotOffered(DomainError):
    """The withdrawal function is not offered for this seller order (why: the message)."""

    code = "withdrawal_not_offered"
    http_status = 409


class LineNotReturnable(DomainError):
    code = "line_not_returnable"
    http_status = 409


class RefundTooLarge(DomainError):
    code = "return_refund_too_large"
    http_status = 409
