"""When a customer may open which kind of incident on a seller order (docs/incidents.md).

"Not received" only once the parcel is late: the expected delivery date has passed. The date is
the seller's ship-by date (order + the storefront's ``ship_within_days``; the shipping date
itself once shipped) plus the part's longest delivery time (``delivery_days_max``), counted in
calendar days, so it never comes earlier than the working days the shop showed. The other kinds
need the parcel in the customer's hands: shipped or delivered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from galerie.incidents.models import Incident
from galerie.orders.models import SellerOrder

Kind = Incident.Kind
Status = SellerOrder.Status


def expected_delivery(*, seller_order: SellerOrder) -> datetime:
    """Return when the parcel should have arrived at the latest (reads the order's storefront)."""
    if seller_order.shipped_at is not None:
        start = seller_order.shipped_at
    else:
        start = seller_order.order.placed_at + timedelta(days=seller_order.order.storefront.ship_within_days)
    return start + timedelta(days=seller_order.delivery_days_max)


def incident_refusal(*, seller_order: SellerOrder, kind: str, now: datetime) -> str:
    """Return why ``kind`` cannot be opened on this seller order now, or "" when it can."""
    if seller_order.status in (Status.NEW, Status.REFUSED, Status.CANCELLED):
        return _("This part of your order was not sent: there is nothing to report on it.")
    if kind == Kind.NOT_RECEIVED:
        if seller_order.status == Status.DELIVERED:
            return _("This parcel is marked as delivered: report what is wrong with it instead.")
        due = expected_delivery(seller_order=seller_order)
        if now < due:
            return _("The parcel is not late yet: you can report it missing from %(date)s.") % {
                "date": formats.date_format(timezone.localtime(due), "DATE_FORMAT")
            }
        return ""
    if kind in (Kind.DAMAGED, Kind.NOT_AS_DESCRIBED, Kind.WRONG_ITEM):
        if seller_order.status not in (Status.SHIPPED, Status.DELIVERED):
            return _("You can report a problem with the items once the parcel is sent.")
        return ""
    return _("Choose what went wrong.")


def kinds_open(*, seller_order: SellerOrder, now: datetime) -> list[tuple[str, str]]:
    """Return the (kind, label) pairs the customer may open now on this seller order."""
    return [
        (value, str(label))
        for value, label in Kind.choices
        if not incident_refusal(seller_order=seller_order, kind=value, now=now)
    ]
