"""The doors to "delivered" other than the seller's own click (``services.seller_order_deliver``).

Each door marks one parcel (``Shipment``); the seller order is delivered with its last parcel,
at the latest parcel's delivery (``services.shipment_mark_delivered``).

- the customer confirms receipt from their order page;
- a carrier's tracking event (fed by ``galerie deliveries`` from a carrier's file, or by a
  future carrier integration) marks the parcel with that tracking number delivered at the carrier's scan time;
- a parcel nobody marked is deemed delivered ``Storefront.deemed_delivered_days`` after
  shipping (periodic job ``orders.deemed_delivered``).

Each writes the history row with its actor (none for the carrier and the job: the system), the
``seller_order.delivered`` event, and is idempotent: a second call returns the order unchanged.
The withdrawal period counts from ``SellerOrder.delivered_at`` (docs/delivery.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.actors import System
from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.locking import lock_row
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import SellerOrder, Shipment
from galerie.orders.services import parcels_to_mark, shipment_mark_delivered
from galerie.storefronts.models import Storefront

# A carrier's clock may run a little ahead of ours; beyond this, a scan "in the future" is an error.
CLOCK_SKEW = timedelta(minutes=5)


@transaction.atomic
def seller_order_confirm_receipt(
    *, seller_order_id: int, customer: User, shipment_id: int | None = None, now: datetime | None = None
) -> SellerOrder:
    """Mark one parcel (``shipment_id``; None: every parcel not delivered yet) of the customer's
    own order delivered at ``now``; a retried request returns it unchanged. Raise OrderNotFound
    when the order or the parcel is not theirs, InvalidTransition when the part is not shipped yet."""
    if not getattr(customer, "is_authenticated", False):
        raise OrderNotFound(_("There is no such order in your account."))
    try:
        seller_order = lock_row(SellerOrder.objects.filter(order__customer=customer), seller_order_id)
    except SellerOrder.DoesNotExist:
        raise OrderNotFound(_("There is no such order in your account.")) from None
    if seller_order.status == SellerOrder.Status.DELIVERED:
        return seller_order
    if seller_order.status != SellerOrder.Status.SHIPPED:
        raise InvalidTransition(_("This parcel has not been shipped yet."), field="status")
    when = now or timezone.now()
    for parcel in parcels_to_mark(seller_order, shipment_id):
        shipment_mark_delivered(
            seller_order,
            parcel,
            by=customer,
            delivered_at=when,
            door="customer",
            reason="receipt confirmed by the customer",
        )
    return seller_order


@transaction.atomic
def seller_order_deliver_from_carrier(
    *, carrier: str, tracking_number: str, delivered_at: datetime, now: datetime | None = None
) -> SellerOrder:
    """Mark delivered, at the carrier's scan time, the parcel with this tracking number (and
    carrier, compared without case); its seller order is delivered with its last parcel. Idempotent.

    Raise InvalidInput for an empty tracking number, a naive or future time; OrderNotFound when no
    parcel has this tracking number; InvalidInput when several do. A scan earlier than the
    recorded shipping (the seller clicked "shipped" late) counts from the shipping.
    """
    tracking = tracking_number.strip()
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not tracking:
        errors["tracking_number"] = [_("The carrier's event has no tracking number.")]
    if timezone.is_naive(delivered_at):
        errors["delivered_at"] = [
            _("The delivery time must say its time zone (e.g. 2026-03-02T14:05+01:00).")
        ]
    elif delivered_at > now + CLOCK_SKEW:
        errors["delivered_at"] = [_("The delivery time is in the future.")]
    if errors:
        raise InvalidInput(errors)
    candidates = Shipment.objects.filter(
        tracking_number=tracking,
        seller_order__status__in=[SellerOrder.Status.SHIPPED, SellerOrder.Status.DELIVERED],
    )
    if carrier.strip():
        candidates = candidates.filter(carrier__iexact=carrier.strip())
    found = list(candidates.values_list("pk", "seller_order_id")[:2])
    if not found:
        if carrier.strip():
            message = _("No shipped order has the tracking number %(tracking)s with carrier %(carrier)s.")
        else:
            message = _("No shipped order has the tracking number %(tracking)s.")
        raise OrderNotFound(message % {"tracking": tracking, "carrier": carrier.strip()})
    if len(found) > 1:
        raise InvalidInput(
            {"tracking_number": [_("Several shipped orders have this tracking number: name the carrier.")]}
        )
    shipment_id, seller_order_id = found[0]
    seller_order = lock_row(SellerOrder.objects.all(), seller_order_id)
    if seller_order.status == SellerOrder.Status.DELIVERED:
        return seller_order
    if seller_order.status != SellerOrder.Status.SHIPPED:  # changed since the look-up
        raise InvalidTransition(_("This parcel has not been shipped yet."), field="status")
    parcel = Shipment.objects.get(pk=shipment_id)
    shipment_mark_delivered(
        seller_order,
        parcel,
        by=System("carrier"),
        delivered_at=delivered_at,
        door="carrier",
        reason=f"delivery scanned by {parcel.carrier or carrier.strip()}",
    )
    return seller_order


def seller_orders_deem_delivered(*, now: datetime | None = None, batch: int = 500) -> int:
    """Deem delivered every parcel not delivered whose storefront's ``deemed_delivered_days``
    have passed since its shipping, at its shipping + those days; return how many parcels. A
    seller order is delivered with its last parcel. Safe to run concurrently."""
    now = now or timezone.now()
    done = 0
    for storefront_id, days in Storefront.objects.values_list("pk", "deemed_delivered_days"):
        due = Shipment.objects.filter(
            delivered_at__isnull=True,
            seller_order__status=SellerOrder.Status.SHIPPED,
            seller_order__order__storefront_id=storefront_id,
            shipped_at__lte=now - timedelta(days=days),
        ).order_by("pk")
        for shipment_id, seller_order_id in due.values_list("pk", "seller_order_id")[:batch]:
            with transaction.atomic():
                seller_order = lock_row(SellerOrder.objects.all(), seller_order_id)
                parcel = Shipment.objects.get(pk=shipment_id)
                if seller_order.status != SellerOrder.Status.SHIPPED or parcel.delivered_at is not None:
                    continue  # delivered meanwhile by another door or worker
                shipment_mark_delivered(
                    seller_order,
                    parcel,
                    by=System("job:deemed_delivered"),
                    delivered_at=parcel.shipped_at + timedelta(days=days),
                    door="deemed",
                    reason=f"deemed delivered {days} days after shipping",
                )
                done += 1
    return done
