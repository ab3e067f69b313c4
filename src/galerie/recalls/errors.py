from galerie.core.errors import DomainError, NotFound


class RecallNotFound(NotFound):
    code = "recall_not_found"


class AlreadyRecalled(DomainError):
    """The product has been recalled already: one recall per product."""

    code = "product_already_recalled"
    http_status = 409
