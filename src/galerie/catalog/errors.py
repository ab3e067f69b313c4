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


# --- product proposals ------------------------------------------------------------------------


class ProposalNotFound(NotFound):
    code = "proposal_not_found"
    http_status = 404


class GtinInCatalog(DomainError):
    """The GTIN already names a catalog variant: the seller should make an offer on it instead."""

    code = "gtin_in_catalog"
    http_status = 409

    def __init__(self, message: str, *, variant_id: int, product_title: str, product_slug: str) -> None:
        super().__init__(message, field="gtin")
        self.variant_id = variant_id
        self.product_title = product_title
        self.product_slug = product_slug
