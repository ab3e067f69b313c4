"""Errors of the privacy app."""

from galerie.core.errors import DomainError


class ErasureBlocked(DomainError):
    """The account cannot be erased yet (open orders, returns, incidents, or a staff account)."""

    code = "erasure_blocked"
    http_status = 409


class SubjectNotFound(DomainError):
    code = "privacy_subject_not_found"
    http_status = 404
