from galerie.core.errors import DomainError, NotFound


class OfferOutOfStock(DomainError):
    code = "offer_out_of_stock"
    http_status = 409


class OfferNotFound(NotFound):
    code = "offer_not_found"
    http_status = 404
