"""Reads of the webhooks app: each takes the actor and the owner (``seller_id``; None: the
operator) and checks access first (``access.webhooks_manager_check``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from galerie.core.actors import Actor
from galerie.core.errors import PermissionDenied
from galerie.webhooks.access import is_operator, webhooks_manager_check
from galerie.webhooks.errors import WebhookDeliveryNotFound, WebhookEndpointNotFound
from galerie.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

PAGE_SIZE = 50


def _owned(seller_id: int | None) -> QuerySet[WebhookEndpoint]:
    if seller_id is None:
        return WebhookEndpoint.objects.filter(seller__isnull=True)
    return WebhookEndpoint.objects.filter(seller_id=seller_id)


def webhook_endpoints_for(*, seller_id: int | None, by: Actor) -> QuerySet[WebhookEndpoint]:
    """Return the endpoints of the seller (None: the operator's), newest first."""
    webhooks_manager_check(seller_id=seller_id, by=by)
    return _owned(seller_id).select_related("created_by").order_by("-id")


def webhook_endpoint_get(*, endpoint_id: int, seller_id: int | None, by: Actor) -> WebhookEndpoint:
    """Return one endpoint of the seller (None: the operator's); raise WebhookEndpointNotFound
    for any other, another seller's included."""
    webhooks_manager_check(seller_id=seller_id, by=by)
    endpoint = _owned(seller_id).select_related("created_by").filter(pk=endpoint_id).first()
    if endpoint is None:
        raise WebhookEndpointNotFound(_("There is no such webhook endpoint."))
    return endpoint


def _with_attempts(deliveries: QuerySet[WebhookDelivery]) -> QuerySet[WebhookDelivery]:
    return deliveries.select_related("endpoint", "redelivered_by").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("id"))
    )


def webhook_deliveries_for(
    *,
    endpoint_id: int,
    seller_id: int | None,
    by: Actor,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[WebhookDelivery]:
    """Return one endpoint's deliveries, newest first, with their attempts: at most ``limit``
    below ``before_id`` (keyset paging), of ``status`` when given."""
    endpoint = webhook_endpoint_get(endpoint_id=endpoint_id, seller_id=seller_id, by=by)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    if status:
        deliveries = deliveries.filter(status=status)
    if before_id:
        deliveries = deliveries.filter(pk__lt=before_id)
    return list(_with_attempts(deliveries.order_by("-id"))[: max(1, min(limit, 200))])


def webhook_delivery_get(
    *, delivery_id: int, seller_id: int | None, by: Actor, any_owner: bool = False
) -> WebhookDelivery:
    """Return one delivery to an endpoint of the seller (None: the operator's; with
    ``any_owner``, any endpoint's, for the operator only), with its attempts; raise
    WebhookDeliveryNotFound otherwise."""
    if any_owner:
        if not is_operator(by):
            raise PermissionDenied(_("Only the marketplace's staff see every webhook delivery."))
        deliveries = WebhookDelivery.objects.all()
    else:
        webhooks_manager_check(seller_id=seller_id, by=by)
        deliveries = WebhookDelivery.objects.filter(endpoint__in=_owned(seller_id))
    delivery = _with_attempts(deliveries).filter(pk=delivery_id).first()
    if delivery is None:
        raise WebhookDeliveryNotFound(_("There is no such webhook delivery."))
    return delivery


def webhook_dead_letters(
    *, by: Actor, before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[WebhookDelivery]:
    """Return the deliveries that failed for good, on every endpoint (sellers' too), newest
    first, with their endpoints' sellers; for the operator only."""
    if not is_operator(by):
        raise PermissionDenied(_("Only the marketplace's staff see the failed webhooks."))
    dead = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DEAD)
    if before_id:
        dead = dead.filter(pk__lt=before_id)
    return list(dead.select_related("endpoint__seller").order_by("-id")[: max(1, min(limit, 200))])


def webhook_subscribed(*, event_type: str, seller_ids: Iterable[int], operator: bool) -> bool:
    """Whether an active endpoint of one of ``seller_ids`` (or of the operator, when
    ``operator``) subscribes to ``event_type``: the handlers build nothing otherwise."""
    seller_ids = list(seller_ids)
    owners = Q(seller_id__in=seller_ids) if seller_ids else Q(pk__in=[])
    if operator:
        owners |= Q(seller__isnull=True)
    types = WebhookEndpoint.objects.filter(owners, active=True).values_list("event_types", flat=True)
    return any(event_type in subscribed for subscribed in types)


def webhook_subscribers(*, event_types: set[str], seller_ids: Iterable[int]) -> set[tuple[int | None, str]]:
    """Return the (seller id or None for the operator, event type) pairs that an active endpoint
    of those sellers or of the operator subscribes to, among ``event_types``: one query."""
    owners = Q(seller_id__in=list(seller_ids)) | Q(seller__isnull=True)
    rows = WebhookEndpoint.objects.filter(owners, active=True).values_list("seller_id", "event_types")
    return {(seller_id, t) for seller_id, types in rows for t in types if t in event_types}
