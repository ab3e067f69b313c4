from galerie.core.errors import DomainError, NotFound


class InvalidAttributes(DomainError):
    code = "invalid_attributes"
    http_status = 422


class InvalidImage(DomainError):
    code = "invalid_image"
    http_status = 422


class ProductNotFound(NotFound):
    code = "product_not_found"
    http_status = 404


class CategoryNotFound(NotFound):
    code = "category_not_found"
    http_status = 404
