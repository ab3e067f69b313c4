"""Every write to sellers, one module per sub-domain.

- ``application``: applying to sell, the documents, the answers to the operator.
- ``curation``: the operator's decisions: admission, information requests, approval, rejection,
  suspension, reactivation, closure.
- ``staff``: members, invitations, roles.
- ``tokens``: API keys.
- ``shop``: the shop page and shipping settings.

The names of the former ``sellers/services.py`` are re-exported here.
"""

from galerie.sellers.services.application import (
    DOCUMENT_MAX_BYTES,
    DOCUMENT_SIGNATURES,
    IDENTITY_FIELDS,
    Status,
    document_content_type,
    seller_application_answer,
    seller_application_submit,
    seller_apply,
    seller_document_add,
)
from galerie.sellers.services.curation import (
    seller_activate,
    seller_admission_decide,
    seller_approve,
    seller_close,
    seller_curation_approve,
    seller_curation_refuse,
    seller_info_request,
    seller_reject,
    seller_suspend,
    seller_terminations_apply,
    statement_of_reasons_check,
)
from galerie.sellers.services.retention import seller_documents_purge
from galerie.sellers.services.staff import seller_member_add

__all__ = [
    "DOCUMENT_MAX_BYTES",
    "DOCUMENT_SIGNATURES",
    "IDENTITY_FIELDS",
    "Status",
    "document_content_type",
    "seller_activate",
    "seller_admission_decide",
    "seller_application_answer",
    "seller_application_submit",
    "seller_apply",
    "seller_approve",
    "seller_close",
    "seller_curation_approve",
    "seller_curation_refuse",
    "seller_document_add",
    "seller_documents_purge",
    "seller_info_request",
    "seller_member_add",
    "seller_reject",
    "seller_suspend",
    "seller_terminations_apply",
    "statement_of_reasons_check",
]
