"""The messaging app's errors, each with a stable code."""

from galerie.core.errors import DomainError, InvalidInput, NotFound


class ThreadNotFound(NotFound):
    code = "thread_not_found"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"


class MessageInvalid(InvalidInput):
    code = "message_invalid"


class AttachmentRefused(InvalidInput):
    code = "attachment_refused"


class OperatorAlreadyAsked(DomainError):
    code = "operator_already_asked"
