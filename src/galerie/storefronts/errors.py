from typing import Any

from galerie.core.errors import DomainError, NotFound


class StorefrontNotFound(NotFound):
    code = "storefront_not_found"
    http_status = 404


class ClosureBlocked(DomainError):
    """The storefront cannot be closed for good yet: something is still open (``blockers``)."""

    code = "storefront_closure_blocked"
    http_status = 409

    def __init__(self, message: str, *, blockers: Any = None) -> None:
        super().__init__(message)
        self.blockers = blockers


class StorefrontNotSelling(DomainError):
    """The storefront takes no new cart line or order: it passed its closing date, or is closed.
    The message is in the storefront's language (the customer reads it on its pages)."""

    code = "storefront_not_selling"
    http_status = 409


class StorefrontClosed(StorefrontNotFound):
    """The storefront is closed for good: its pages answer 410 with a notice."""

    code = "storefront_closed"
    http_status = 410

    def __init__(self, message: str, *, storefront: Any) -> None:
        super().__init__(message)
        self.storefront = storefront
