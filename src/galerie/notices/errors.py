"""The notices' typed errors (DSA notice and action)."""

from __future__ import annotations

from galerie.core.errors import DomainError, NotFound, PermissionDenied


class NoticeNotFound(NotFound):
    code = "notice_not_found"


class NoticeTargetNotFound(NotFound):
    """What the link names to report is not (or no longer) shown on this storefront."""

    code = "notice_target_not_found"


class NoticeAlreadyDecided(DomainError):
    code = "notice_already_decided"
    http_status = 409


class DecisionNotAllowed(DomainError):
    """The restriction chosen does not fit what was reported, or cannot be applied now."""

    code = "notice_decision_not_allowed"


class DecisionNotFound(NotFound):
    code = "notice_decision_not_found"


class ComplaintTooLate(DomainError):
    """Art. 20(1) DSA: a complaint may be lodged for six months after the decision."""

    code = "notice_complaint_too_late"


class ComplaintNotAllowed(PermissionDenied):
    code = "notice_complaint_not_allowed"


class ComplaintAlreadyDecided(DomainError):
    code = "notice_complaint_already_decided"
    http_status = 409


class ComplaintSameReviewer(DomainError):
    """Art. 20(6): the complaint is decided by another person than the one who decided, if any."""

    code = "notice_complaint_same_reviewer"
