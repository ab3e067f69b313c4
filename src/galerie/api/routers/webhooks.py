"""Webhook endpoints through the API: a seller's (owners' keys: ``Perm.MANAGE_TOKENS``) and the
operator's (staff keys with the webhooks permissions). The same services as the pages
(galerie.webhooks); an endpoint's secret is in its answer, for verifying signatures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from galerie.api.routers.operator_caller import staff
from galerie.api.routers.seller_caller import seller_caller
from galerie.api.schemas import replies
from galerie.core.errors import InvalidInput
from galerie.sellers.access import Perm
from galerie.webhooks.catalogue import event_types_for
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from galerie.webhooks.selectors import (
    webhook_dead_letters,
    webhook_deliveries_for,
    webhook_delivery_get,
    webhook_endpoint_get,
    webhook_endpoints_for,
)
from galerie.webhooks.services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_set_active,
)

PERM_VIEW, PERM_CHANGE = "webhooks.view_webhookendpoint", "webhooks.change_webhookendpoint"


class EventTypeOut(Schema):
    name: str
    label: str


class EndpointIn(Schema):
    url: str
    event_types: list[str]
    description: str = ""


class EndpointPatch(Schema):
    active: bool


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    secret: str
    created_at: datetime


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int | None


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    body: str
    log: list[AttemptOut]


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next: str | None = None


def _endpoint(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "active": endpoint.active,
        "secret": endpoint.secret,
        "created_at": endpoint.created_at,
    }


def _delivery(delivery: WebhookDelivery, *, attempts: bool = True) -> dict[str, Any]:
    log = list(delivery.attempt_log.all()) if attempts else []
    return {
        "id": delivery.pk,
        "endpoint_id": delivery.endpoint_id,
        "event_id": str(delivery.event_uuid),
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == "pending" else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "body": delivery.body,
        "log": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in log
        ],
    }


def _page(rows: list[WebhookDelivery], limit: int, **kw: bool) -> dict[str, Any]:
    # The selectors page by id (``before_id``); the cursor is the last id as text.
    return {
        "items": [_delivery(d, **kw) for d in rows],
        "next": str(rows[-1].pk) if len(rows) == limit else None,
    }


def _before(after: str | None) -> int | None:
    if not after:
        return None
    if not after.isdigit():
        raise InvalidInput({"after": ["This cursor is not one the API gave; start again without it."]})
    return int(after)


def _limit(limit: int) -> int:
    if not 1 <= limit <= 200:
        raise InvalidInput({"limit": ["Between 1 and 200."]})
    return limit


Owner = Callable[[HttpRequest, bool], tuple[int | None, Any]]


def _seller_owner(request: HttpRequest, write: bool) -> tuple[int | None, Any]:
    who = seller_caller(request, Perm.MANAGE_TOKENS)
    return who.seller.pk, who.user


def _operator_owner(request: HttpRequest, write: bool) -> tuple[int | None, Any]:
    return None, staff(request, PERM_VIEW, *([PERM_CHANGE] if write else [])).user


def build(owner: Owner, *, seller: bool) -> Router:
    """The routes of one kind of owner (a seller's key, or the operator's staff key)."""
    who = "seller" if seller else "operator"
    router = Router(tags=[who])

    @router.get(
        "/event-types",
        response=replies(list[EventTypeOut]),
        summary="The events one may subscribe to",
        operation_id=f"{who}_webhooks_event_types",
    )
    def event_types(request: HttpRequest) -> list[dict[str, str]]:
        owner(request, False)
        return [{"name": t.name, "label": str(t.label)} for t in event_types_for(seller=seller)]

    @router.get(
        "/endpoints",
        response=replies(list[EndpointOut]),
        summary="The webhook endpoints",
        operation_id=f"{who}_webhooks_endpoints",
    )
    def endpoints(request: HttpRequest) -> list[dict[str, Any]]:
        seller_id, by = owner(request, False)
        return [_endpoint(e) for e in webhook_endpoints_for(seller_id=seller_id, by=by)]

    @router.post(
        "/endpoints",
        response=replies(EndpointOut, status=201),
        summary="Subscribe a URL to event types",
        operation_id=f"{who}_webhooks_endpoint_create",
    )
    def endpoint_create(request: HttpRequest, payload: EndpointIn) -> Status[dict[str, Any]]:
        seller_id, by = owner(request, True)
        endpoint = webhook_endpoint_create(
            seller_id=seller_id,
            url=payload.url,
            event_types=payload.event_types,
            description=payload.description,
            by=by,
        )
        return Status(201, _endpoint(endpoint))

    @router.get(
        "/endpoints/{endpoint_id}",
        response=replies(EndpointOut),
        summary="One endpoint",
        operation_id=f"{who}_webhooks_endpoint_get",
    )
    def endpoint_get(request: HttpRequest, endpoint_id: int) -> dict[str, Any]:
        seller_id, by = owner(request, False)
        return _endpoint(webhook_endpoint_get(endpoint_id=endpoint_id, seller_id=seller_id, by=by))

    @router.patch(
        "/endpoints/{endpoint_id}",
        response=replies(EndpointOut),
        summary="Pause or resume",
        operation_id=f"{who}_webhooks_endpoint_patch",
    )
    def endpoint_patch(request: HttpRequest, endpoint_id: int, payload: EndpointPatch) -> dict[str, Any]:
        seller_id, by = owner(request, True)
        endpoint = webhook_endpoint_set_active(
            endpoint_id=endpoint_id, seller_id=seller_id, active=payload.active, by=by
        )
        return _endpoint(endpoint)

    @router.delete(
        "/endpoints/{endpoint_id}",
        response=replies(None, status=204),
        summary="Delete, with its log",
        operation_id=f"{who}_webhooks_endpoint_delete",
    )
    def endpoint_delete(request: HttpRequest, endpoint_id: int) -> Status[None]:
        seller_id, by = owner(request, True)
        webhook_endpoint_delete(endpoint_id=endpoint_id, seller_id=seller_id, by=by)
        return Status(204, None)

    @router.get(
        "/endpoints/{endpoint_id}/deliveries",
        response=replies(DeliveryPage),
        summary="An endpoint's deliveries, newest first, with their attempts",
        operation_id=f"{who}_webhooks_deliveries",
    )
    def deliveries(
        request: HttpRequest,
        endpoint_id: int,
        status: WebhookDelivery.Status | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> dict[str, Any]:
        seller_id, by = owner(request, False)
        rows = webhook_deliveries_for(
            endpoint_id=endpoint_id,
            seller_id=seller_id,
            by=by,
            status=status,
            before_id=_before(after),
            limit=_limit(limit),
        )
        return _page(rows, limit)

    @router.get(
        "/deliveries/{delivery_id}",
        response=replies(DeliveryOut),
        summary="One delivery",
        operation_id=f"{who}_webhooks_delivery_get",
    )
    def delivery_get(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
        seller_id, by = owner(request, False)
        return _delivery(
            webhook_delivery_get(delivery_id=delivery_id, seller_id=seller_id, by=by, any_owner=not seller)
        )

    @router.post(
        "/deliveries/{delivery_id}/redeliver",
        response=replies(DeliveryOut),
        summary="Send a delivery again (same body and event id)",
        operation_id=f"{who}_webhooks_redeliver",
    )
    def redeliver(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
        seller_id, by = owner(request, True)
        delivery = webhook_delivery_redeliver(
            delivery_id=delivery_id, seller_id=seller_id, by=by, any_owner=not seller
        )
        return _delivery(delivery, attempts=False)

    if not seller:

        @router.get(
            "/dead-letters",
            response=replies(DeliveryPage),
            summary="Deliveries that failed for good, on every endpoint",
            operation_id=f"{who}_webhooks_dead_letters",
        )
        def dead_letters(request: HttpRequest, limit: int = 50, after: str | None = None) -> dict[str, Any]:
            _seller_id, by = owner(request, False)
            rows = webhook_dead_letters(by=by, before_id=_before(after), limit=_limit(limit))
            return _page(rows, limit, attempts=False)

    return router


seller_router = build(_seller_owner, seller=True)
operator_router = build(_operator_owner, seller=False)
