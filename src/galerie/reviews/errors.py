from galerie.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied


class ReviewNotFound(NotFound):
    code = "review_not_found"


class ReviewNotAllowed(PermissionDenied):
    """The order line is not the customer's, or not delivered, or past the review window."""

    code = "review_not_allowed"


class ReviewAlreadyWritten(DomainError):
    code = "review_already_written"
    http_status = 409


class ReplyAlreadyWritten(DomainError):
    code = "reply_already_written"
    http_status = 409


__all__ = [
    "InvalidInput",
    "ReplyAlreadyWritten",
    "ReviewAlreadyWritten",
    "ReviewNotAllowed",
    "ReviewNotFound",
]
