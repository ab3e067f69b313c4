from galerie.core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied


class SellerNotFound(NotFound):
    code = "seller_not_found"
    http_status = 404


class SellerDocumentNotFound(NotFound):
    code = "seller_document_not_found"
    http_status = 404


class SellerNotActive(DomainError):
    code = "seller_not_active"
    http_status = 409


class SellerApplicationDecided(InvalidTransition):
    """The application is not (or no longer) waiting for this decision or answer."""

    code = "seller_application_decided"
    http_status = 409


class SellerCloseBlocked(DomainError):
    """The seller still has open orders or money on its ledger accounts: it cannot be closed yet."""

    code = "seller_close_blocked"
    http_status = 409

    def __init__(self, message: str, *, open_orders: list[str], balances: dict[str, dict[str, int]]) -> None:
        super().__init__(message, field="status")
        self.open_orders = open_orders
        self.balances = balances


# --- staff and API keys -----------------------------------------------------------------------


class InvitationNotFound(NotFound):
    """The invitation link is unknown, expired, withdrawn or already used (always a 404)."""

    code = "invitation_not_found"


class InvitationAlreadyOpen(DomainError):
    code = "invitation_already_open"
    http_status = 409


class AlreadyMember(DomainError):
    code = "already_member"
    http_status = 409


class LastOwner(DomainError):
    code = "last_owner"
    http_status = 409


class MemberNotFound(NotFound):
    code = "member_not_found"


class ApiTokenNotFound(NotFound):
    code = "api_token_not_found"


class RoleTooHigh(PermissionDenied):
    code = "role_too_high"
