from galerie.core.errors import DomainError


class OfferNotAvailable(DomainError):
    code = "offer_not_available"
    http_status = 409


class NotEnoughStock(DomainError):
    code = "not_enough_stock"
    http_status = 409
