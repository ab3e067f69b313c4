"""Outbox handlers that turn internal events into public webhook events (docs/webhooks.md).

Each handler reads what the event names, builds the public body's ``data`` (ids, numbers, money
as {"amount": minor units, "currency"}), and queues a pending delivery for each subscribed
active endpoint of the seller concerned and of the operator. It builds nothing when no endpoint
wants the type. Idempotent: a second run for the same event inserts nothing (the unique
(endpoint, event uuid)). Sending is the ``webhooks.send_due`` job's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from galerie.core.delivery import batched
from galerie.core.models import OutboxEvent
from galerie.incidents.models import Incident
from galerie.ledger.models import Payout
from galerie.offers.models import Offer
from galerie.orders.models import SELLER_ORDER_REFUND_KEY, Order, SellerOrder, Shipment
from galerie.payments.models import Refund
from galerie.returns.models import Return
from galerie.sellers.models import Seller, SellerAdmission
from galerie.storefronts.models import Storefront
from galerie.webhooks.selectors import webhook_subscribed, webhook_subscribers
from galerie.webhooks.services import Outgoing, webhook_deliveries_enqueue, webhook_deliveries_enqueue_many

OPERATOR_PAID_PREFIX = "operator-paid-"
SELLER_PARTY = "seller"  # messaging.models.Party.SELLER, the value the event carries


def money(amount_minor: int | None, currency: str) -> dict[str, Any] | None:
    """Return money as the body shows it: integer minor units and the currency."""
    return None if amount_minor is None else {"amount": int(amount_minor), "currency": currency}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _queue(
    event: OutboxEvent,
    event_type: str,
    data: Callable[[], dict[str, Any]],
    *,
    seller_ids: Iterable[int] = (),
    operator: bool = True,
) -> None:
    seller_ids = [s for s in seller_ids if s is not None]
    if not webhook_subscribed(event_type=event_type, seller_ids=seller_ids, operator=operator):
        return
    webhook_deliveries_enqueue(
        event=event, outgoing=[Outgoing(event_type, data(), seller_ids=seller_ids, operator=operator)]
    )


# --- what the bodies show -----------------------------------------------------------------


def seller_order_brief(part: SellerOrder) -> dict[str, Any]:
    return {"id": part.pk, "number": part.number, "order_id": part.order_id, "seller_id": part.seller_id}


def seller_order_data(part: SellerOrder) -> dict[str, Any]:
    order, currency = part.order, part.order.currency
    return {
        **seller_order_brief(part),
        "order_number": order.number,
        "storefront": order.storefront.code,
        "status": part.status,
        "items": money(part.items_minor, currency),
        "shipping": money(part.shipping_minor, currency),
        "total": money(part.total_minor, currency),
        "vat": money(part.vat_minor, currency),
        "refunded": money(part.refunded_minor, currency),
        "delivery_days": {"min": part.delivery_days_min, "max": part.delivery_days_max},
        "placed_at": _iso(order.placed_at),
        "shipping_address": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "postal_code": order.ship_postal_code,
            "city": order.ship_city,
            "country": order.ship_country,
            "phone": order.ship_phone,
        },
        "lines": [
            {
                "id": line.pk,
                "offer_id": line.offer_id,
                "variant_id": line.variant_id,
                "seller_sku": line.seller_sku,
                "product_title": line.product_title,
                "variant_name": line.variant_name,
                "condition": line.condition,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_minor, currency),
                "total": money(line.total_minor, currency),
                "vat_rate_bp": line.vat_rate_bp,
            }
            for line in part.lines.order_by("pk")
        ],
    }


def _seller_order(pk: int) -> SellerOrder:
    return SellerOrder.objects.select_related("order__storefront").get(pk=pk)


def order_data(order: Order) -> dict[str, Any]:
    currency = order.currency
    return {
        "id": order.pk,
        "number": order.number,
        "storefront": order.storefront.code,
        "status": order.status,
        "items": money(order.items_minor, currency),
        "shipping": money(order.shipping_minor, currency),
        "total": money(order.total_minor, currency),
        "vat": money(order.vat_minor, currency),
        "placed_at": _iso(order.placed_at),
        "seller_orders": [
            {**seller_order_brief(part), "total": money(part.total_minor, currency)}
            for part in order.seller_orders.order_by("pk")
        ],
    }


def offer_data(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "seller_id": offer.seller_id,
        "variant_id": offer.variant_id,
        "gtin": offer.variant.gtin,
        "seller_sku": offer.seller_sku,
        "condition": offer.condition,
        "status": offer.status,
        "price": money(offer.price_minor, offer.currency),
        "stock": offer.stock,
    }


def seller_brief(seller: Seller) -> dict[str, Any]:
    return {
        "id": seller.pk,
        "slug": seller.slug,
        "display_name": seller.display_name,
        "status": seller.status,
    }


# --- orders --------------------------------------------------------------------------------


def seller_order_placed(event: OutboxEvent) -> None:
    """order.placed, to the seller: its own part of the order."""
    seller_id = event.payload["seller_id"]
    _queue(
        event,
        "order.placed",
        lambda: {"seller_order": seller_order_data(_seller_order(event.payload["seller_order_id"]))},
        seller_ids=[seller_id],
        operator=False,
    )


def order_placed(event: OutboxEvent) -> None:
    """order.placed, to the operator: the whole order and its parts."""
    _queue(
        event,
        "order.placed",
        lambda: {
            "order": order_data(Order.objects.select_related("storefront").get(pk=event.payload["order_id"]))
        },
    )


def _seller_order_event(
    event_type: str, extra: Callable[[SellerOrder], dict[str, Any]] | None = None
) -> Callable[[OutboxEvent], None]:
    def handler(event: OutboxEvent) -> None:
        pk = event.payload.get("seller_order_id") or event.payload.get("id")
        seller_id = SellerOrder.objects.filter(pk=pk).values_list("seller_id", flat=True).first()
        if seller_id is None:
            return

        def data() -> dict[str, Any]:
            part = _seller_order(pk)
            return {"seller_order": seller_order_data(part), **(extra(part) if extra else {})}

        _queue(event, event_type, data, seller_ids=[seller_id])

    handler.__name__ = handler.__qualname__ = event_type.replace(".", "_")
    handler.__doc__ = f"{event_type}, to the seller and the operator."
    return handler


seller_order_accepted = _seller_order_event("seller_order.accepted")
seller_order_refused = _seller_order_event(
    "seller_order.refused", lambda part: {"reason": part.refusal_reason}
)
seller_order_delivered = _seller_order_event(
    "seller_order.delivered", lambda part: {"delivered_at": _iso(part.delivered_at)}
)
_seller_order_cancelled = _seller_order_event("seller_order.cancelled")


def seller_order_status_changed(event: OutboxEvent) -> None:
    """seller_order.cancelled, whatever cancelled it (the other statuses have their own topics)."""
    if event.payload.get("to_status") == SellerOrder.Status.CANCELLED:
        _seller_order_cancelled(event)


def seller_order_shipped(event: OutboxEvent) -> None:
    """seller_order.shipped: the seller order and the parcel, with its carrier and tracking."""

    def parcel(part: SellerOrder) -> dict[str, Any]:
        shipment = Shipment.objects.get(pk=event.payload["shipment_id"])
        return {
            "parcel": {
                "id": shipment.pk,
                "number": shipment.number,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "shipped_at": _iso(shipment.shipped_at),
                "lines": [
                    {"order_line_id": line.order_line_id, "quantity": line.quantity}
                    for line in shipment.lines.order_by("pk")
                ],
            }
        }

    _seller_order_event("seller_order.shipped", parcel)(event)


# --- money ---------------------------------------------------------------------------------


def refund_succeeded(event: OutboxEvent) -> None:
    """refund.succeeded: to the seller whose order part it refunds (by the refund's key), and
    to the operator; a refund of no one part goes to the operator only."""
    refund = Refund.objects.get(pk=event.payload["refund_id"])
    key = refund.idempotency_key.removeprefix(OPERATOR_PAID_PREFIX)
    match = SELLER_ORDER_REFUND_KEY.match(key)
    part = (
        SellerOrder.objects.filter(uuid=match.group(1), order__payment_id=refund.payment_id).first()
        if match
        else None
    )

    def data() -> dict[str, Any]:
        return {
            "refund": {
                "id": refund.pk,
                "amount": money(refund.amount_minor, refund.currency),
                "reason": refund.reason,
                "paid_by_operator": refund.idempotency_key.startswith(OPERATOR_PAID_PREFIX),
            },
            "seller_order": seller_order_brief(part) if part else None,
        }

    _queue(event, "refund.succeeded", data, seller_ids=[part.seller_id] if part else [])


def payout_paid(event: OutboxEvent) -> None:
    """payout.paid: to the seller paid and to the operator."""

    def data() -> dict[str, Any]:
        payout = Payout.objects.select_related("run").get(pk=event.payload["payout_id"])
        return {
            "payout": {
                "id": payout.pk,
                "seller_id": payout.seller_id,
                "run_date": payout.run.run_date.isoformat(),
                "amount": money(payout.amount_minor, payout.currency),
                "reserve": money(payout.reserve_minor, payout.currency),
                "debt_netted": money(payout.debt_netted_minor, payout.currency),
            }
        }

    _queue(event, "payout.paid", data, seller_ids=[event.payload["seller_id"]])


# --- offers --------------------------------------------------------------------------------


OFFER_CHANGES = {
    "offer.created": ("offer.created", []),
    "offer.stock_changed": ("offer.updated", ["stock"]),
    "offer.stock_taken": ("offer.updated", ["stock"]),
    "offer.stock_released": ("offer.updated", ["stock"]),
    "offer.price_changed": ("offer.updated", ["price"]),
    "offer.status_changed": ("offer.updated", ["status"]),
}


def _offer_change(event: OutboxEvent, offer: dict[str, Any]) -> dict[str, Any]:
    """The offer as the event left it: the row now, with the value the event set, if it names one."""
    payload, offer = event.payload, dict(offer)
    if event.topic == "offer.stock_changed":
        offer["stock"] = payload["stock"]
    elif event.topic == "offer.price_changed":
        offer["price"] = money(payload["price_minor"], payload["currency"])
    body: dict[str, Any] = {"offer": offer}
    if event.topic == "offer.price_changed":
        body["previous_price"] = money(payload["previous_minor"], payload["currency"])
    elif event.topic in ("offer.stock_taken", "offer.stock_released"):
        quantity = int(payload["quantity"])
        body["stock_delta"] = -quantity if event.topic == "offer.stock_taken" else quantity
    changes = OFFER_CHANGES[event.topic][1]
    if changes:
        body["changes"] = changes
    return body


@batched
def offer_events(events: list[OutboxEvent]) -> None:
    """offer.created and offer.updated (stock set, taken by an order or put back; price; status),
    to the offer's seller and the operator.

    Batched, like the search index on the same topics (the worker groups a topic's events only
    when all its handlers take lists): two queries when no endpoint wants them, and a handful
    for the whole batch when some do (the offers read once, one insert)."""
    ids = {e.payload.get("offer_id") or e.payload.get("id") for e in events}
    sellers = dict(Offer.objects.filter(pk__in=ids).values_list("pk", "seller_id"))
    wanted = webhook_subscribers(
        event_types={"offer.created", "offer.updated"}, seller_ids=set(sellers.values())
    )
    todo: list[tuple[OutboxEvent, int, str]] = []
    for event in events:
        pk = event.payload.get("offer_id") or event.payload.get("id")
        event_type = OFFER_CHANGES[event.topic][0]
        seller_id = sellers.get(pk)
        if seller_id is not None and {(None, event_type), (seller_id, event_type)} & wanted:
            todo.append((event, pk, event_type))
    if not todo:
        return
    offers = {
        o.pk: offer_data(o)
        for o in Offer.objects.select_related("variant").filter(pk__in={pk for _e, pk, _t in todo})
    }
    webhook_deliveries_enqueue_many(
        items=[
            (event, Outgoing(event_type, _offer_change(event, offers[pk]), seller_ids=[sellers[pk]]))
            for event, pk, event_type in todo
        ]
    )


# --- storefronts ---------------------------------------------------------------------------


def storefront_sales_stopped(event: OutboxEvent) -> None:
    """storefront.closing: to every seller admitted to the storefront, and to the operator."""
    pk = event.payload["storefront_id"]
    sellers = list(
        SellerAdmission.objects.filter(storefront_id=pk, status=SellerAdmission.Status.ADMITTED).values_list(
            "seller_id", flat=True
        )
    )

    def data() -> dict[str, Any]:
        storefront = Storefront.objects.get(pk=pk)
        return {
            "storefront": {"id": storefront.pk, "code": storefront.code, "name": storefront.name},
            "closing_on": event.payload.get("closing_on"),
            "sales_stopped_at": _iso(storefront.sales_stopped_at),
        }

    _queue(event, "storefront.closing", data, seller_ids=sellers)


# --- sellers (the operator's only) ---------------------------------------------------------


def _seller_event(event_type: str, *extra: str) -> Callable[[OutboxEvent], None]:
    def handler(event: OutboxEvent) -> None:
        def data() -> dict[str, Any]:
            seller = Seller.objects.get(pk=event.payload["seller_id"])
            return {"seller": seller_brief(seller), **{k: event.payload.get(k) for k in extra}}

        _queue(event, event_type, data, operator=True)

    handler.__name__ = handler.__qualname__ = event_type.replace(".", "_")
    handler.__doc__ = f"{event_type}, to the operator."
    return handler


seller_applied = _seller_event("seller.applied", "storefront_ids")
seller_application_answered = _seller_event("seller.application_answered")
seller_curation_approved = _seller_event("seller.curation_approved", "storefront_id")
seller_storefront_refused = _seller_event("seller.storefront_refused", "storefront_id", "reason")
seller_admission_decided = _seller_event("seller.admission_decided", "storefront_id", "status")
seller_rejected = _seller_event("seller.rejected", "reason")


@batched
def seller_admission_decided_events(events: list[OutboxEvent]) -> None:
    """seller.admission_decided, batched like the search index's handler of the topic."""
    for event in events:
        seller_admission_decided(event)


# --- after-sales ---------------------------------------------------------------------------


def _incident(event_type: str) -> Callable[[OutboxEvent], None]:
    def handler(event: OutboxEvent) -> None:
        incident = Incident.objects.select_related("seller_order").get(pk=event.payload["incident_id"])

        def data() -> dict[str, Any]:
            return {
                "incident": {
                    "id": incident.pk,
                    "uuid": str(incident.uuid),
                    "kind": incident.kind,
                    "status": incident.status,
                    "opened_at": _iso(incident.opened_at),
                    "answer_due_at": _iso(incident.answer_due_at),
                    "escalated_at": _iso(incident.escalated_at),
                    "escalated_by": incident.escalated_by or None,
                },
                "seller_order": seller_order_brief(incident.seller_order),
            }

        _queue(event, event_type, data, seller_ids=[incident.seller_id])

    handler.__name__ = handler.__qualname__ = event_type.replace(".", "_")
    handler.__doc__ = f"{event_type}, to the seller and the operator."
    return handler


incident_opened = _incident("incident.opened")
incident_escalated = _incident("incident.escalated")


def return_declared(event: OutboxEvent) -> None:
    """return.declared: to the seller and the operator."""
    ret = Return.objects.select_related("seller_order__order").get(pk=event.payload["return_id"])
    currency = ret.seller_order.order.currency

    def data() -> dict[str, Any]:
        return {
            "return": {
                "id": ret.pk,
                "uuid": str(ret.uuid),
                "reason": ret.reason,
                "status": ret.status,
                "declared_at": _iso(ret.declared_at),
                "refund_due_by": _iso(ret.refund_due_by),
                "items": money(ret.items_minor, currency),
                "shipping": money(ret.shipping_minor, currency),
                "lines": [
                    {
                        "order_line_id": line.order_line_id,
                        "quantity": line.quantity,
                        "amount": money(line.amount_minor, currency),
                    }
                    for line in ret.lines.order_by("pk")
                ],
            },
            "seller_order": seller_order_brief(ret.seller_order),
        }

    _queue(event, "return.declared", data, seller_ids=[ret.seller_order.seller_id])


def message_posted(event: OutboxEvent) -> None:
    """message.received: to the seller when someone else wrote, and to the operator.

    Built from the event alone: ``messaging`` sits in this app's layer, so its rows are not read
    here; the body names the message and its order, and the text stays in Galerie."""
    payload = event.payload
    part = SellerOrder.objects.filter(pk=payload["seller_order_id"]).first()
    if part is None:
        return
    to_seller = payload.get("party") != SELLER_PARTY

    def data() -> dict[str, Any]:
        return {
            "message": {
                "id": payload["message_id"],
                "thread_id": payload["thread_id"],
                "from": payload["party"],
            },
            "seller_order": seller_order_brief(part),
        }

    _queue(event, "message.received", data, seller_ids=[part.seller_id] if to_seller else [])


HANDLERS: dict[str, list[Callable[[OutboxEvent], None]]] = {
    "seller_order.placed": [seller_order_placed],
    "order.placed": [order_placed],
    "seller_order.accepted": [seller_order_accepted],
    "seller_order.refused": [seller_order_refused],
    "seller_order.shipped": [seller_order_shipped],
    "seller_order.delivered": [seller_order_delivered],
    "sellerorder.status_changed": [seller_order_status_changed],
    "refund.succeeded": [refund_succeeded],
    "payout.paid": [payout_paid],
    **{topic: [offer_events] for topic in OFFER_CHANGES},
    "storefront.sales_stopped": [storefront_sales_stopped],
    "seller.applied": [seller_applied],
    "seller.application_answered": [seller_application_answered],
    "seller.curation_approved": [seller_curation_approved],
    "seller.storefront_refused": [seller_storefront_refused],
    "seller.admission_decided": [seller_admission_decided_events],
    "seller.rejected": [seller_rejected],
    "incident.opened": [incident_opened],
    "incident.escalated": [incident_escalated],
    "return.declared": [return_declared],
    "message.posted": [message_posted],
}
