"""Errors of the ledger, each with a stable code."""

from galerie.core.errors import DomainError


class UnbalancedEntry(DomainError):
    code = "ledger_unbalanced_entry"
    http_status = 422


class InvalidPosting(DomainError):
    code = "ledger_invalid_posting"
    http_status = 422


class ImmutableEntry(DomainError):
    code = "ledger_immutable_entry"
    http_status = 409


class PayoutRunInFuture(DomainError):
    """A run for a day that has not come: it would pay nothing and then block that day's run."""

    code = "payout_run_in_future"
    http_status = 422
