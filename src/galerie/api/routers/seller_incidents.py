"""The seller API's incidents (not received, damaged…): list, one, answer.

Reads need ``Perm.VIEW_ORDERS``, the answer ``Perm.FULFIL_ORDERS``; the services are the
incidents app's. Incidents are named by their uuid, as in the pages.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from galerie.api.auth import seller_key
from galerie.api.pagination import Page, paginate
from galerie.api.routers.seller_caller import seller_caller
from galerie.api.schemas import Money, money, replies
from galerie.core.errors import InvalidInput
from galerie.incidents.models import Incident
from galerie.incidents.selectors import incident_get_for_seller, incidents_for_seller
from galerie.incidents.services import incident_answer
from galerie.sellers.access import Perm

router = Router(auth=seller_key, tags=["seller: incidents"])

IncidentStatus = Literal["open", "answered", "resolved", "escalated", "decided", "closed"]
Proposal = Literal["refund_full", "refund_partial", "replacement", "return_needed", "rejected"]
assert set(IncidentStatus.__args__) == set(Incident.Status.values)  # type: ignore[attr-defined]
assert set(Proposal.__args__) == set(Incident.Proposal.values)  # type: ignore[attr-defined]


class IncidentOut(Schema):
    id: uuid.UUID
    seller_order_id: int
    order_number: str
    kind: str
    description: str
    status: str
    opened_at: datetime
    answer_due_at: datetime
    proposal: str
    proposal_amount: Money
    answer: str
    answered_at: datetime | None
    decision: str
    decision_reason: str
    refund: Money


def incident_out(incident: Incident) -> dict[str, Any]:
    currency = incident.seller_order.order.currency
    return {
        "id": incident.uuid,
        "seller_order_id": incident.seller_order_id,
        "order_number": incident.seller_order.number,
        "kind": incident.kind,
        "description": incident.description,
        "status": incident.status,
        "opened_at": incident.opened_at,
        "answer_due_at": incident.answer_due_at,
        "proposal": incident.proposal,
        "proposal_amount": money(incident.proposal_amount_minor, currency),
        "answer": incident.answer,
        "answered_at": incident.answered_at,
        "decision": incident.decision,
        "decision_reason": incident.decision_reason,
        "refund": money(incident.refund_minor, currency),
    }


@router.get("/", response=replies(Page[IncidentOut]), summary="The seller's incidents, newest first")
def incidents(
    request: HttpRequest, status: IncidentStatus | None = None, limit: int = 50, after: str | None = None
) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_ORDERS)
    rows = incidents_for_seller(seller_id=who.seller.pk)
    if status:
        rows = rows.filter(status=status)
    items, cursor = paginate(rows, after=after, limit=limit)
    return {"items": [incident_out(i) for i in items], "next": cursor}


@router.get("/{incident_id}", response=replies(IncidentOut), summary="One incident (by its uuid)")
def one(request: HttpRequest, incident_id: uuid.UUID) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_ORDERS)
    return incident_out(incident_get_for_seller(seller_id=who.seller.pk, incident_uuid=str(incident_id)))


class Answer(Schema):
    proposal: Proposal
    answer: str = Field(
        "", max_length=4000, description="Required to reject, for a partial refund, a return."
    )
    amount: Money | None = Field(None, description="A partial refund's amount.")


@router.post("/{incident_id}/answer", response=replies(IncidentOut), summary="Answer an open incident")
def answer(request: HttpRequest, incident_id: uuid.UUID, payload: Answer) -> dict[str, Any]:
    who = seller_caller(request, Perm.FULFIL_ORDERS)
    incident = incident_get_for_seller(seller_id=who.seller.pk, incident_uuid=str(incident_id))
    amount = 0
    if payload.amount is not None:
        currency = incident.seller_order.order.currency
        if payload.amount.currency != currency:
            raise InvalidInput({"amount": [f"This order was paid in {currency}."]})
        amount = payload.amount.amount
    incident_answer(
        incident_id=incident.pk,
        acting_user=who.user,
        proposal=payload.proposal,
        answer=payload.answer,
        amount_minor=amount,
    )
    return incident_out(incident_get_for_seller(seller_id=who.seller.pk, incident_uuid=str(incident_id)))
