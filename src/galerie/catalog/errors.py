from galerie.core.errors import DomainError


class InvalidAttributes(DomainError):
    code = "invalid_attributes"
    http_status = 422


class InvalidImage(DomainError):
    code = "invalid_image"
    http_status = 422


class ProductNotFound(DomainError):
    code = "product_not_found"
    http_status = 404


class CategoryNotFound(DomainError):
    code = "category_not_found"
    http_status = 404
