from galerie.core.errors import DomainError


class StorefrontNotFound(DomainError):
    code = "storefront_not_found"
    http_status = 404
