"""Reads of incidents, each scoped to who asks: the customer, a seller's member, the operator."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.models import StatusChange
from galerie.incidents.errors import IncidentNotFound
from galerie.incidents.models import Incident, IncidentPhoto
from galerie.orders.selectors import seller_ids_for_member

_WITH = ("seller_order", "seller_order__order", "seller_order__seller")


def _loaded(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    photos = Prefetch("photos", queryset=IncidentPhoto.objects.order_by("id"))
    return queryset.select_related(*_WITH).prefetch_related(photos)


def incidents_for_order(*, customer: User | AnonymousUser, order_id: int) -> list[Incident]:
    """Return the customer's incidents on one of their orders, newest first (two queries)."""
    if not customer.is_authenticated:
        return []
    return list(_loaded(Incident.objects.filter(customer=customer, seller_order__order_id=order_id)))


def incident_get_for_customer(*, customer: User | AnonymousUser, incident_uuid: str) -> Incident:
    """Return one of the customer's incidents; raise IncidentNotFound for anyone else's."""
    incident = (
        _loaded(Incident.objects.filter(customer_id=customer.pk or 0, uuid=incident_uuid)).first()
        if customer.is_authenticated
        else None
    )
    if incident is None:
        raise IncidentNotFound(_("There is no such incident in your account."))
    return incident


def incidents_for_seller(*, seller_id: int, seller_order_id: int | None = None) -> QuerySet[Incident]:
    """Return the seller's incidents (or one seller order's), newest first."""
    queryset = Incident.objects.filter(seller_id=seller_id)
    if seller_order_id is not None:
        queryset = queryset.filter(seller_order_id=seller_order_id)
    return _loaded(queryset)


def incidents_awaiting_seller(*, seller_id: int) -> QuerySet[Incident]:
    """Return the seller's incidents waiting for its answer, the nearest deadline first."""
    return (
        Incident.objects.filter(seller_id=seller_id, status=Incident.Status.OPEN)
        .select_related("seller_order")
        .order_by("answer_due_at", "pk")
    )


def incident_get_for_seller(*, seller_id: int, incident_uuid: str) -> Incident:
    """Return one incident of the seller; raise IncidentNotFound for another seller's."""
    incident = _loaded(Incident.objects.filter(seller_id=seller_id, uuid=incident_uuid)).first()
    if incident is None:
        raise IncidentNotFound(_("There is no such incident for your shop."))
    return incident


def escalations_queue() -> QuerySet[Incident]:
    """Return the incidents waiting for the operator, the oldest escalation first."""
    return (
        Incident.objects.filter(status=Incident.Status.ESCALATED)
        .select_related(*_WITH, "storefront")
        .order_by("escalated_at", "pk")
    )


def incident_get_for_operator(*, incident_uuid: str) -> Incident:
    """Return any incident, for the back office; raise IncidentNotFound."""
    incident = _loaded(Incident.objects.filter(uuid=incident_uuid)).select_related("storefront").first()
    if incident is None:
        raise IncidentNotFound(_("There is no such incident."))
    return incident


def incident_history(*, incident: Incident) -> list[StatusChange]:
    """Return the incident's status changes, oldest first."""
    return list(
        StatusChange.objects.filter(model=Incident._meta.label, object_pk=str(incident.pk)).order_by("id")
    )


def photo_get_for_user(*, user: User | AnonymousUser, photo_uuid: str) -> IncidentPhoto:
    """Return a photo to its incident's customer, to a member of its seller, or to operator staff;
    raise IncidentNotFound for anyone else (the same answer as for a photo that does not exist)."""
    photo = IncidentPhoto.objects.select_related("incident").filter(uuid=photo_uuid).first()
    if photo is not None and user.is_authenticated:
        incident = photo.incident
        if (
            incident.customer_id == user.pk
            or (user.is_active and user.is_staff)
            or incident.seller_id in seller_ids_for_member(user)
        ):
            return photo
    raise IncidentNotFound(_("There is no such photo."))
