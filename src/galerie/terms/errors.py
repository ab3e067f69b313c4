from galerie.core.errors import DomainError, NotFound


class TermsVersionNotFound(NotFound):
    code = "terms_version_not_found"
    http_status = 404


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"
    http_status = 404


class ComplaintAnswered(DomainError):
    """The complaint has its answer already."""

    code = "complaint_answered"
    http_status = 409


class TermsNotPending(DomainError):
    """There is no version of the terms waiting for this seller's acceptance."""

    code = "terms_not_pending"
    http_status = 409
