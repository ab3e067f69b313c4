"""Writes of the webhooks app (docs/webhooks.md): subscribe, pause, resume, delete an endpoint,
queue an event's deliveries, redeliver one by hand.

``seller_id`` names the owner: a seller, or None for the operator. Every write checks ``by``
(``access.webhooks_manager_check``) and reports itself in the outbox (``webhook_endpoint.*``,
``webhook_delivery.redelivered``) for the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.actors import Actor, actor_user_id
from galerie.core.errors import InvalidInput, PermissionDenied
from galerie.core.locking import lock_row
from galerie.core.models import OutboxEvent
from galerie.core.outbox import emit
from galerie.sellers.models import Seller
from galerie.webhooks.access import is_operator, webhooks_manager_check
from galerie.webhooks.catalogue import event_types_clean
from galerie.webhooks.errors import WebhookDeliveryNotFound, WebhookEndpointNotFound
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from galerie.webhooks.signing import secret_new
from galerie.webhooks.targets import Target, webhook_url_check

__all__ = [
    "Outgoing",
    "Target",
    "webhook_deliveries_enqueue",
    "webhook_deliveries_enqueue_many",
    "webhook_delivery_redeliver",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_set_active",
    "webhook_url_check",
]

DESCRIPTION_MAX = 120


@transaction.atomic
def webhook_endpoint_create(
    *,
    seller_id: int | None,
    url: str,
    event_types: Iterable[str],
    by: Actor,
    description: str = "",
) -> WebhookEndpoint:
    """Subscribe ``url`` to ``event_types`` for the seller (None: the operator), with a new
    signing secret; raise InvalidInput naming each bad field (WebhookUrlRefused for the URL),
    PermissionDenied unless ``by`` may manage these webhooks. Nothing is saved on an error."""
    webhooks_manager_check(seller_id=seller_id, by=by)
    if seller_id is not None and not Seller.objects.filter(pk=seller_id).exists():
        raise WebhookEndpointNotFound(_("There is no such shop."))
    errors: dict[str, list[str]] = {}
    checked_url = ""
    try:
        checked_url = _url_clean(url)
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        types = event_types_clean(event_types, seller=seller_id is not None)
    except InvalidInput as error:
        errors.update(error.errors)
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}]
    if errors:
        raise InvalidInput(errors)
    endpoint = WebhookEndpoint.objects.create(
        seller_id=seller_id,
        url=checked_url,
        description=description,
        secret=secret_new(),
        event_types=types,
        created_by_id=actor_user_id(by),
    )
    emit(
        "webhook_endpoint.created",
        endpoint_id=endpoint.pk,
        seller_id=seller_id,
        url=checked_url,
        event_types=types,
        by_user_id=actor_user_id(by),
    )
    return endpoint


def _url_clean(url: str) -> str:
    webhook_url_check(url)  # raises WebhookUrlRefused (an InvalidInput on ``url``)
    return (url or "").strip()


def _lock_endpoint(endpoint_id: int, seller_id: int | None) -> WebhookEndpoint:
    owned = WebhookEndpoint.objects.filter(seller__isnull=True) if seller_id is None else (
        WebhookEndpoint.objects.filter(seller_id=seller_id)
    )  # fmt: skip
    try:
        return lock_row(owned, endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise WebhookEndpointNotFound(_("There is no such webhook endpoint.")) from None


@transaction.atomic
def webhook_endpoint_set_active(
    *, endpoint_id: int, seller_id: int | None, active: bool, by: Actor
) -> WebhookEndpoint:
    """Pause (``active`` False) or resume an endpoint of the seller (None: the operator's).

    A paused endpoint is queued no new event, and its pending deliveries wait until it resumes.
    Raise WebhookEndpointNotFound for another owner's endpoint."""
    webhooks_manager_check(seller_id=seller_id, by=by)
    endpoint = _lock_endpoint(endpoint_id, seller_id)
    if endpoint.active == active:
        return endpoint  # a retried request: already done
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    emit(
        "webhook_endpoint.resumed" if active else "webhook_endpoint.paused",
        endpoint_id=endpoint.pk,
        seller_id=seller_id,
        by_user_id=actor_user_id(by),
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint_id: int, seller_id: int | None, by: Actor) -> None:
    """Delete an endpoint of the seller (None: the operator's) with its deliveries and their
    log; raise WebhookEndpointNotFound for another owner's endpoint."""
    webhooks_manager_check(seller_id=seller_id, by=by)
    endpoint = _lock_endpoint(endpoint_id, seller_id)
    emit(
        "webhook_endpoint.deleted",
        endpoint_id=endpoint.pk,
        seller_id=seller_id,
        url=endpoint.url,
        by_user_id=actor_user_id(by),
    )
    endpoint.delete()


@transaction.atomic
def webhook_delivery_redeliver(
    *,
    delivery_id: int,
    seller_id: int | None,
    by: Actor,
    any_owner: bool = False,
    now: datetime | None = None,
) -> WebhookDelivery:
    """Send a delivery again: a dead or delivered one becomes pending, due now, with a new
    three-day window; a pending one is made due now. The same body and event id are sent (a
    receiver deduplicates on the id). Who asked and when is kept on the row and in the outbox.

    ``seller_id`` is the owner of the delivery's endpoint (None: the operator); with
    ``any_owner`` the operator redelivers on any endpoint (the dead-letter list). Raise
    WebhookDeliveryNotFound for another owner's delivery."""
    now = now or timezone.now()
    if any_owner:
        if not is_operator(by):
            raise PermissionDenied(_("Only the marketplace's staff redeliver any webhook."))
        deliveries = WebhookDelivery.objects.all()
    else:
        webhooks_manager_check(seller_id=seller_id, by=by)
        deliveries = (
            WebhookDelivery.objects.filter(endpoint__seller__isnull=True)
            if seller_id is None
            else WebhookDelivery.objects.filter(endpoint__seller_id=seller_id)
        )
    try:
        delivery = lock_row(deliveries, delivery_id)
    except WebhookDelivery.DoesNotExist:
        raise WebhookDeliveryNotFound(_("There is no such webhook delivery.")) from None
    previous = delivery.status
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = now
    changed = ["status", "next_attempt_at", "redelivered_at", "redelivered_by"]
    if previous != WebhookDelivery.Status.PENDING:
        delivery.attempts, delivery.first_attempt_at, delivery.delivered_at = 0, None, None
        changed += ["attempts", "first_attempt_at", "delivered_at"]
    delivery.redelivered_at, delivery.redelivered_by_id = now, actor_user_id(by)
    delivery.save(update_fields=changed)
    emit(
        "webhook_delivery.redelivered",
        delivery_id=delivery.pk,
        endpoint_id=delivery.endpoint_id,
        event_uuid=str(delivery.event_uuid),
        previous_status=previous,
        by_user_id=actor_user_id(by),
    )
    return delivery


# --- queueing (the outbox handlers) ---------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A public event built from an outbox event, and who receives it: the endpoints of
    ``seller_ids`` and, when ``operator``, the operator's endpoints."""

    type: str
    data: dict[str, Any]
    seller_ids: Sequence[int] = field(default_factory=tuple)
    operator: bool = True


def body_of(event: OutboxEvent, outgoing: Outgoing) -> str:
    """Return the JSON body of ``outgoing``: {"id", "type", "created", "data"}, compact."""
    document = {
        "id": str(event.uuid),
        "type": outgoing.type,
        "created": event.created_at.isoformat(),
        "data": outgoing.data,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


def webhook_deliveries_enqueue(*, event: OutboxEvent, outgoing: Iterable[Outgoing]) -> int:
    """Queue one pending delivery of each outgoing event for every active endpoint of its
    owners subscribed to its type; return how many were new. Idempotent: the unique
    (endpoint, event uuid) makes a second run for the same event insert nothing."""
    return webhook_deliveries_enqueue_many(items=[(event, item) for item in outgoing])


def webhook_deliveries_enqueue_many(*, items: Sequence[tuple[OutboxEvent, Outgoing]]) -> int:
    """Queue the deliveries of several events at once (one query for the endpoints, one insert,
    two counts); return how many were new. Idempotent like ``webhook_deliveries_enqueue``."""
    if not items:
        return 0
    sellers = {s for _event, item in items for s in item.seller_ids}
    owners = Q(seller_id__in=sellers) | Q(seller__isnull=True) if sellers else Q(seller__isnull=True)
    endpoints = list(
        WebhookEndpoint.objects.filter(owners, active=True).only("pk", "seller_id", "event_types")
    )
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    queued: set[tuple[int, str]] = set()
    for event, item in items:
        body = None
        for endpoint in endpoints:
            owner_ok = endpoint.seller_id in item.seller_ids if endpoint.seller_id else item.operator
            key = (endpoint.pk, str(event.uuid))
            if not owner_ok or item.type not in endpoint.event_types or key in queued:
                continue
            body = body or body_of(event, item)
            queued.add(key)
            rows.append(
                WebhookDelivery(
                    endpoint_id=endpoint.pk,
                    event_uuid=event.uuid,
                    event_type=item.type,
                    body=body,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return 0
    uuids = {event.uuid for event, _item in items}
    before = WebhookDelivery.objects.filter(event_uuid__in=uuids).count()
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return WebhookDelivery.objects.filter(event_uuid__in=uuids).count() - before


WEBHOOK_DELIVERY_KEPT_DAYS = 90


def webhook_deliveries_purge(*, before: datetime, batch: int = 5000) -> int:
    """Delete the deliveries (with their attempts) created before ``before`` and no longer being
    sent (delivered or dead); return how many. Their bodies repeat the orders' shipping
    addresses, which sellers already received (docs/privacy.md, retention)."""
    stale = list(
        WebhookDelivery.objects.filter(created_at__lt=before)
        .exclude(status=WebhookDelivery.Status.PENDING)
        .values_list("pk", flat=True)[:batch]
    )
    if not stale:
        return 0
    return WebhookDelivery.objects.filter(pk__in=stale).delete()[1].get("webhooks.WebhookDelivery", 0)
