"""The invoices' typed errors."""

from __future__ import annotations

from galerie.core.errors import DomainError, NotFound


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"


class InvoiceImmutable(DomainError):
    """An issued invoice or credit note is never changed nor deleted: a correction is a credit note."""

    code = "invoice_immutable"


class InvoiceNotIssuable(DomainError):
    """The document cannot be issued (a private seller, nothing to invoice, a bad month…)."""

    code = "invoice_not_issuable"


class InvoiceInvalid(DomainError):
    """The generated Factur-X XML does not validate against the XSD: nothing is issued."""

    code = "invoice_invalid"
