from galerie.core.errors import DomainError, NotFound


class StorefrontNotFound(NotFound):
    code = "storefront_not_found"
    http_status = 404


class ClosureBlocked(DomainError):
    """The storefront cannot be closed for good yet: something is still open."""

    code = "storefront_closure_blocked"
