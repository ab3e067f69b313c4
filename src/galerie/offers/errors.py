from galerie.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied


class OfferOutOfStock(DomainError):
    """Fewer units left than asked; ``offer_id`` names the offer short."""

    code = "offer_out_of_stock"
    http_status = 409

    def __init__(self, message: str, *, field: str | None = None, offer_id: int | None = None) -> None:
        super().__init__(message, field=field)
        self.offer_id = offer_id


class OfferEditDenied(PermissionDenied):
    """The actor may not change this seller's offers (a shipping clerk, another shop's member)."""

    code = "offer_edit_denied"


class OfferNotFound(NotFound):
    code = "offer_not_found"
    http_status = 404


# --- bulk offer updates -----------------------------------------------------------------------


class OfferImportRefused(DomainError):
    """The file cannot be imported at all (not a CSV/XLSX, too big, no usable header …); nothing stored."""

    code = "offer_import_refused"
    http_status = 422


class OfferImportNotFound(NotFound):
    code = "offer_import_not_found"


class OfferImportBusy(DomainError):
    """Another process is running this import now: try again later (the worker retries)."""

    code = "offer_import_busy"
    http_status = 409


class OfferBulkRefused(InvalidInput):
    """An all-or-nothing bulk update with a bad row: nothing applied; ``errors`` names each row's
    field at fault (``rows.<index>.<column>``)."""

    code = "offer_bulk_refused"


# --- the fixed book price (docs/loi-lang.md) ----------------------------------------------------


class BookPriceFixed(InvalidInput):
    """A new book offered at another price than its publisher's (or a book without one offered
    new): ``errors["price"]`` names the rule and the publisher's price; nothing changed."""

    code = "book_price_fixed"
