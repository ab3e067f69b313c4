"""The operator's sellers: the list, one seller's file, and the curation decisions of the back
office (/back-office/sellers/…), through the same services (galerie.sellers.services.curation).

Reading needs ``sellers.view_seller``; every decision ``sellers.change_seller``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import StringConstraints

from galerie.api.pagination import Page, paginate
from galerie.api.routers.operator_caller import staff
from galerie.api.schemas import replies
from galerie.core.errors import InvalidInput
from galerie.sellers.models import Seller, SellerAdmission
from galerie.sellers.selectors import seller_get_for_operator, seller_status_history, sellers_for_operator
from galerie.sellers.services import (
    seller_activate,
    seller_close,
    seller_curation_approve,
    seller_curation_refuse,
    seller_info_request,
    seller_reject,
    seller_suspend,
)

VIEW = "sellers.view_seller"
CHANGE = "sellers.change_seller"

router = Router(tags=["operator"])

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class AdmissionOut(Schema):
    storefront: str
    storefront_name: str
    status: str
    reason: str
    decided_at: datetime | None


class SellerRow(Schema):
    id: int
    slug: str
    display_name: str
    kind: str
    status: str
    created_at: datetime
    admissions: list[AdmissionOut]


class DocumentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    uploaded_at: datetime


class ApplicationMessageOut(Schema):
    from_operator: bool
    body: str
    created_at: datetime


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: datetime
    by: str | None


class OperatorSellerOut(SellerRow):
    legal_name: str
    email: str
    phone: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    trade_register_number: str
    vat_number: str
    compliance_certified_at: datetime | None
    documents: list[DocumentOut]
    messages: list[ApplicationMessageOut]
    history: list[StatusChangeOut]


def _admission(a: SellerAdmission) -> dict[str, Any]:
    return {
        "storefront": a.storefront.code,
        "storefront_name": a.storefront.name,
        "status": a.status,
        "reason": a.reason,
        "decided_at": a.decided_at,
    }


def _row(seller: Seller) -> dict[str, Any]:
    return {
        "id": seller.pk,
        "slug": seller.slug,
        "display_name": seller.display_name,
        "kind": seller.kind,
        "status": seller.status,
        "created_at": seller.created_at,
        "admissions": [_admission(a) for a in seller.admissions.all()],
    }


def _detail(seller_id: int) -> dict[str, Any]:
    seller = seller_get_for_operator(seller_id=seller_id)
    fields = (
        "legal_name", "email", "phone", "address_line1", "address_line2", "postal_code", "city",
        "country", "trade_register_number", "vat_number", "compliance_certified_at",
    )  # fmt: skip
    return {
        **_row(seller),
        **{name: getattr(seller, name) for name in fields},
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "original_name": d.original_name,
                "content_type": d.content_type,
                "size": d.size,
                "uploaded_at": d.uploaded_at,
            }
            for d in seller.documents.all()
        ],
        "messages": [
            {"from_operator": m.from_operator, "body": m.body, "created_at": m.created_at}
            for m in seller.application_messages.all()
        ],
        "history": [
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
                "at": c.at,
                "by": c.actor.email if c.actor else None,
            }
            for c in seller_status_history(seller=seller)
        ],
    }


def _storefront_id(seller_id: int, code: str) -> int:
    """The id of the storefront ``code`` among those the seller applied to (else a 422, as the page)."""
    seller = seller_get_for_operator(seller_id=seller_id)
    for admission in seller.admissions.all():
        if admission.storefront.code == code:
            return admission.storefront_id
    raise InvalidInput({"storefront": ["Choose one of the storefronts this seller applied to."]})


@router.get(
    "/", response=replies(Page[SellerRow]), summary="Sellers, oldest first (filters: status, storefront)"
)
def seller_list(
    request: HttpRequest,
    status: str | None = None,
    storefront: str | None = None,
    limit: int = 50,
    after: str | None = None,
) -> dict[str, Any]:
    staff(request, VIEW)
    rows = sellers_for_operator(status=status or None, storefront_code=storefront or None)
    items, cursor = paginate(rows, after=after, limit=limit, ordering=("id",))
    return {"items": [_row(s) for s in items], "next": cursor}


@router.get(
    "/{seller_id}",
    response=replies(OperatorSellerOut),
    summary="A seller's file: identity, admissions, documents, history",
)
def seller_detail(request: HttpRequest, seller_id: int) -> dict[str, Any]:
    staff(request, VIEW)
    return _detail(seller_id)


class StorefrontIn(Schema):
    storefront: Code


class RefuseIn(Schema):
    storefront: Code
    reason: Reason
    ground: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""  # for a withdrawal


class SellerReasonIn(Schema):
    reason: Reason


class InfoIn(Schema):
    message: Message


Ground = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class SuspendIn(Schema):
    reason: Reason
    ground: Ground = ""  # the clause of the seller terms relied on (P2B art. 4(5)); required by the service


class CloseIn(Schema):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    ground: Ground = ""
    # "" gives 30 days' notice (P2B art. 4(1)); an art. 4(4) exception or the seller's request closes now
    exception: Literal["", "legal_obligation", "repeated_infringement", "seller_request"] = ""
    exception_reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


@router.post(
    "/{seller_id}/approve",
    response=replies(OperatorSellerOut),
    summary="Admit the seller to a storefront (approves an application)",
)
def seller_approve(request: HttpRequest, seller_id: int, payload: StorefrontIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront_id = _storefront_id(seller_id, payload.storefront)
    seller_curation_approve(seller_id=seller_id, storefront_id=storefront_id, by=by)
    return _detail(seller_id)


@router.post(
    "/{seller_id}/refuse",
    response=replies(OperatorSellerOut),
    summary="Refuse (or withdraw) the seller's admission to a storefront, with the reason it is told",
)
def seller_refuse(request: HttpRequest, seller_id: int, payload: RefuseIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront_id = _storefront_id(seller_id, payload.storefront)
    seller_curation_refuse(
        seller_id=seller_id, storefront_id=storefront_id, reason=payload.reason, ground=payload.ground, by=by
    )
    return _detail(seller_id)


@router.post(
    "/{seller_id}/reject",
    response=replies(OperatorSellerOut),
    summary="Reject the application, with the reason the applicant is told",
)
def seller_reject_application(
    request: HttpRequest, seller_id: int, payload: SellerReasonIn
) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    seller_reject(seller_id=seller_id, reason=payload.reason, by=by)
    return _detail(seller_id)


@router.post(
    "/{seller_id}/request-info",
    response=replies(OperatorSellerOut),
    summary="Ask the applicant for more information (e-mailed, kept in the conversation)",
)
def seller_request_info(request: HttpRequest, seller_id: int, payload: InfoIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    seller_info_request(seller_id=seller_id, message=payload.message, by=by)
    return _detail(seller_id)


@router.post(
    "/{seller_id}/suspend",
    response=replies(OperatorSellerOut),
    summary="Suspend an active seller, with the reason it is told (DSA statement of reasons)",
)
def seller_suspend_route(request: HttpRequest, seller_id: int, payload: SuspendIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    seller_suspend(seller_id=seller_id, reason=payload.reason, ground=payload.ground, by=by)
    return _detail(seller_id)


@router.post(
    "/{seller_id}/reactivate",
    response=replies(OperatorSellerOut),
    summary="Let an approved or suspended seller sell again",
)
def seller_reactivate(request: HttpRequest, seller_id: int) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    seller_activate(seller_id=seller_id, by=by)
    return _detail(seller_id)


@router.post(
    "/{seller_id}/close",
    response=replies(OperatorSellerOut),
    summary="Terminate the seller with a statement of reasons: 30 days' notice, or at once with an "
    "exception (409 while it has open orders or money on its accounts)",
)
def seller_close_route(request: HttpRequest, seller_id: int, payload: CloseIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    seller_close(
        seller_id=seller_id,
        reason=payload.reason,
        ground=payload.ground,
        exception=payload.exception,
        exception_reason=payload.exception_reason,
        by=by,
    )
    return _detail(seller_id)
