from galerie.core.errors import DomainError


class SellerNotFound(DomainError):
    code = "seller_not_found"
    http_status = 404


class SellerNotActive(DomainError):
    code = "seller_not_active"
    http_status = 409
