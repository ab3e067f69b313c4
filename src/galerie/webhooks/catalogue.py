"""The public event types a webhook endpoint may subscribe to (docs/webhooks.md).

These names are a contract with the receivers: they do not follow the outbox's internal topics,
which may change. ``sellers`` says whether a seller's endpoint may subscribe to the type; the
others are the operator's only (applications and curation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galerie.core.errors import InvalidInput


@dataclass(frozen=True)
class EventType:
    name: str
    label: str | Promise
    sellers: bool = True


EVENT_TYPES: tuple[EventType, ...] = (
    EventType("order.placed", gettext_lazy("An order is placed")),
    EventType("seller_order.accepted", gettext_lazy("An order is accepted")),
    EventType("seller_order.refused", gettext_lazy("An order is refused")),
    EventType("seller_order.cancelled", gettext_lazy("An order is cancelled")),
    EventType("seller_order.shipped", gettext_lazy("A parcel is shipped")),
    EventType("seller_order.delivered", gettext_lazy("An order is delivered")),
    EventType("refund.succeeded", gettext_lazy("A refund is paid to the customer")),
    EventType("offer.created", gettext_lazy("An offer is created")),
    EventType("offer.updated", gettext_lazy("An offer's stock, price or status changes")),
    EventType("payout.paid", gettext_lazy("A payout is paid")),
    EventType("storefront.closing", gettext_lazy("A storefront stops its sales before closing")),
    EventType("incident.opened", gettext_lazy("A customer reports an incident")),
    EventType("incident.escalated", gettext_lazy("An incident is escalated to the marketplace")),
    EventType("return.declared", gettext_lazy("A customer declares a return")),
    EventType("message.received", gettext_lazy("A message is received")),
    EventType("seller.applied", gettext_lazy("A seller applies"), sellers=False),
    EventType("seller.application_answered", gettext_lazy("An applicant answers a question"), sellers=False),
    EventType(
        "seller.curation_approved", gettext_lazy("A seller is approved for a storefront"), sellers=False
    ),
    EventType(
        "seller.storefront_refused", gettext_lazy("A seller is refused by a storefront"), sellers=False
    ),
    EventType("seller.admission_decided", gettext_lazy("A seller's admission is decided"), sellers=False),
    EventType("seller.rejected", gettext_lazy("A seller's application is rejected"), sellers=False),
)
EVENT_TYPE_NAMES = frozenset(t.name for t in EVENT_TYPES)


def event_types_for(*, seller: bool) -> list[EventType]:
    """Return the event types an endpoint of a seller (or of the operator) may subscribe to."""
    return [t for t in EVENT_TYPES if t.sellers or not seller]


def event_types_clean(names: Iterable[object], *, seller: bool) -> list[str]:
    """Return ``names`` deduplicated in the catalogue's order; raise InvalidInput naming the
    unknown ones, the operator's own for a seller's endpoint, or an empty choice."""
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise InvalidInput({"event_types": [_("Give a list of event types.")]})
    wanted = [str(n).strip() for n in names]
    allowed = {t.name for t in event_types_for(seller=seller)}
    unknown = [n for n in wanted if n not in EVENT_TYPE_NAMES]
    if unknown:
        raise InvalidInput(
            {
                "event_types": [
                    _("Unknown event types: %(names)s.") % {"names": ", ".join(sorted(set(unknown)))}
                ]
            }
        )
    reserved = [n for n in wanted if n not in allowed]
    if reserved:
        raise InvalidInput(
            {
                "event_types": [
                    _("These event types are the marketplace's only: %(names)s.")
                    % {"names": ", ".join(sorted(set(reserved)))}
                ]
            }
        )
    if not wanted:
        raise InvalidInput({"event_types": [_("Choose at least one event type.")]})
    return [t.name for t in EVENT_TYPES if t.name in wanted]
