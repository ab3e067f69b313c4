from typing import Any

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


# --- product safety (GPSR) --------------------------------------------------------------------


class ProductSafetyIncomplete(DomainError):
    """The product lacks safety data a listing needs (GPSR art. 19); ``missing`` holds the code
    of each piece (catalog.safety), ``errors`` maps each to its words (the API's error body),
    the message lists them all in the active language."""

    code = "product_safety_incomplete"
    http_status = 422

    def __init__(
        self, message: str, *, missing: list[str], words: list[str], product_id: int | None = None
    ) -> None:
        super().__init__(message, field="variant")
        self.missing = missing
        self.errors = {code: [text] for code, text in zip(missing, words, strict=True)}
        self.product_id = product_id

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": self.errors}


class ProductRecalled(DomainError):
    """The product was recalled: nobody may list it again."""

    code = "product_recalled"
    http_status = 409
