"""The doors to "delivered" other than the seller's own click (``services.seller_order_deliver``).

- the customer confirms receipt from their order page;
- a carrier's tracking event (fed by ``galerie deliveries`` from a carrier's file, or by a
  future carrier integration) marks the parcel delivered at the carrier's scan time;
- a shipped order nobody marked is deemed delivered ``Storefront.deemed_delivered_days`` after
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
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_mark_delivered
from galerie.storefronts.models import Storefront

# A carrier's clock may run a little ahead of ours; beyond this, a scan "in the future" is an error.
CLOCK_SKEW = timedelta(minutes=5)


@transaction.atomic
def seller_order_confirm_receipt(*, seller_order_id: int, customer: User) -> SellerOrder:
    """Mark a shipped seller order of the customer's own order delivered now; a retried request
    returns it unchanged. Raise OrderNotFound when the order is not theirs, InvalidTransition
    when the part is not shipped yet."""
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
    seller_order_mark_delivered(
        seller_order,
        by=customer,
        delivered_at=timezone.now(),
        door="customer",
        reason="receipt confirmed by the customer",
    )
    return seller_order


@transaction.atomic
def seller_order_deliver_from_carrier(
    *, carrier: str, tracking_number: str, delivered_at: datetime, now: datetime | None = None
) -> SellerOrder:
    """Mark delivered, at the carrier's scan time, the shipped seller order with this tracking
    number (and carrier, compared without case). Idempotent.

    Raise InvalidInput for an empty tracking number, a naive or future time; OrderNotFound when no
    shipped or delivered order has this tracking number; InvalidInput when several do. A scan
    earlier than the recorded shipping (the seller clicked "shipped" late) counts from the shipping.
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
    candidates = SellerOrder.objects.filter(
        tracking_number=tracking, status__in=[SellerOrder.Status.SHIPPED, SellerOrder.Status.DELIVERED]
    )
    if carrier.strip():
        candidates = candidates.filter(carrier__iexact=carrier.strip())
    pks = list(candidates.values_list("pk", flat=True)[:2])
    if not pks:
        if carrier.strip():
            message = _("No shipped order has the tracking number %(tracking)s with carrier %(carrier)s.")
        else:
            message = _("No shipped order has the tracking number %(tracking)s.")
        raise OrderNotFound(message % {"tracking": tracking, "carrier": carrier.strip()})
    if len(pks) > 1:
        raise InvalidInput(
            {"tracking_number": [_("Several shipped orders have this tracking number: name the carrier.")]}
        )
    seller_order = lock_row(SellerOrder.objects.all(), pks[0])
    if seller_order.status == SellerOrder.Status.DELIVERED:
        return seller_order
    if seller_order.status != SellerOrder.Status.SHIPPED:  # changed since the look-up
        raise InvalidTransition(_("This parcel has not been shipped yet."), field="status")
    effective = max(delivered_at, seller_order.shipped_at) if seller_order.shipped_at else delivered_at
    seller_order_mark_delivered(
        seller_order,
        by=System("carrier"),
        delivered_at=effective,
        door="carrier",
        reason=f"delivery scanned by {seller_order.carrier or carrier.strip()}",
    )
    return seller_order


def seller_orders_deem_delivered(*, now: datetime | None = None, batch: int = 500) -> int:
    """Deem delivered every shipped seller order whose storefront's ``deemed_delivered_days`` have
    passed since shipping, at shipping + those days; return how many. Safe to run concurrently."""
    now = now or timezone.now()
    done = 0
    for storefront_id, days in Storefront.objects.values_list("pk", "deemed_delivered_days"):
        due = SellerOrder.objects.filter(
            status=SellerOrder.Status.SHIPPED,
            order__storefront_id=storefront_id,
            shipped_at__lte=now - timedelta(days=days),
        ).order_by("pk")
        for pk in due.values_list("pk", flat=True)[:batch]:
            with transaction.atomic():
                seller_order = lock_row(SellerOrder.objects.all(), pk)
                shipped_at = seller_order.shipped_at
                if seller_order.status != SellerOrder.Status.SHIPPED or shipped_at is None:
                    continue  # delivered meanwhile by another door or worker
                seller_order_mark_delivered(
                    seller_order,
                    by=System("job:deemed_delivered"),
                    delivered_at=shipped_at + timedelta(days=days),
                    door="deemed",
                    reason=f"deemed delivered {days} days after shipping",
                )
                done += 1
    return done
