"""The incidents' typed errors."""

from __future__ import annotations

from galerie.core.errors import DomainError, NotFound


class IncidentNotFound(NotFound):
    code = "incident_not_found"


class IncidentNotAllowed(DomainError):
    """The incident cannot be opened (yet) on this seller order; the message says why."""

    code = "incident_not_allowed"


class IncidentRefundTooLarge(DomainError):
    """More than what is left of the seller order (its total minus what was refunded) was asked."""

    code = "incident_refund_too_large"
