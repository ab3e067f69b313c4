"""Every write to orders: create one from a priced checkout, and the seller's steps."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.actors import Actor
from galerie.core.errors import DomainError, InvalidInput, InvalidTransition
from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.core.outbox import emit, emit_many
from galerie.core.statemachine import transition
from galerie.orders.errors import OrderNotFound
from galerie.orders.models import Order, OrderLine, SellerOrder, Shipment, ShipmentLine
from galerie.orders.selectors import seller_ids_for_member
from galerie.payments.models import Payment
from galerie.payments.services import payment_refund
from galerie.pricing.commissions import LineCommission
from galerie.pricing.quote import Quote
from galerie.sellers.models import SellerMember
from galerie.storefronts.models import Storefront

# No 0/O or 1/I: numbers are read out on the phone.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CARRIERS = ["Colissimo", "Chronopost", "Mondial Relay", "DPD", "UPS", "DHL", "La Poste Lettre suivie"]


def _order_number(storefront: Storefront) -> str:
    prefix = "".join(ch for ch in storefront.code.upper() if ch.isalnum())[:2]
    return f"{prefix}{timezone.now():%y%m}-{''.join(secrets.choice(_ALPHABET) for _ in range(6))}"


def order_create(
    *,
    storefront: Storefront,
    customer: User,
    email: str,
    language: str,
    address: dict[str, str],
    quote: Quote,
    commissions: Sequence[Sequence[LineCommission]],
    payment: Payment,
) -> Order:
    """Create the order, one seller order per seller and their lines, from a quote priced from
    the database and each line's commission (``commissions``, group by group as the quote's);
    write order.placed and one seller_order.placed event per seller.

    Runs in the caller's transaction (the checkout's), which also holds the stock taken.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_create() must run inside the checkout's transaction")
    if not quote.groups:
        raise InvalidInput({"cart": [_("There is nothing to order.")]})
    for attempt in range(5):
        number = _order_number(storefront)
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=number,
                    storefront=storefront,
                    customer=customer,
                    email=email,
                    language=language,
                    ship_name=address["name"],
                    ship_line1=address["line1"],
                    ship_line2=address.get("line2", ""),
                    ship_postal_code=address["postal_code"],
                    ship_city=address["city"],
                    ship_country=address["country"],
                    ship_phone=address.get("phone", ""),
                    currency=quote.currency,
                    items_minor=quote.items_minor,
                    shipping_minor=quote.shipping_minor,
                    total_minor=quote.total_minor,
                    vat_minor=quote.vat_minor,
                    payment=payment,
                )
            break
        except IntegrityError:
            if attempt == 4:
                raise
    # One INSERT for the seller orders, one for all their lines, one for the events.
    seller_orders = SellerOrder.objects.bulk_create(
        SellerOrder(
            order=order,
            seller_id=group.seller_id,
            number=f"{order.number}-{index}",
            items_minor=group.items_minor,
            shipping_minor=group.shipping_minor,
            total_minor=group.total_minor,
            vat_minor=group.vat_minor,
            delivery_days_min=group.delivery_days[0],
            delivery_days_max=group.delivery_days[1],
        )
        for index, group in enumerate(quote.groups, start=1)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            seller_order=seller_order,
            offer_id=line.offer_id,
            variant_id=line.variant_id,
            product_title=line.product_title,
            variant_name=line.variant_name,
            condition=line.condition,
            seller_sku=line.seller_sku,
            quantity=line.quantity,
            unit_price_minor=line.unit_price_minor,
            total_minor=line.total_minor,
            tax_class=line.tax_class,
            vat_rate_bp=line.vat_rate_bp,
            vat_minor=line.vat_minor,
            commission_rate_bp=commission.rate_bp,
            commission_fixed_fee_minor=commission.fixed_fee_minor,
            commission_minor=commission.commission_minor,
            commission_shipping_minor=commission.shipping_commission_minor,
            commission_vat_rate_bp=commission.vat_rate_bp,
            commission_vat_minor=commission.vat_minor,
        )
        for seller_order, group, group_commissions in zip(
            seller_orders, quote.groups, commissions, strict=True
        )
        for line, commission in zip(group.lines, group_commissions, strict=True)
    )
    emit_many(
        [
            *(
                (
                    "seller_order.placed",
                    {"seller_order_id": part.pk, "order_id": order.pk, "seller_id": part.seller_id},
                )
                for part in seller_orders
            ),
            (
                "order.placed",
                {"order_id": order.pk, "storefront_id": storefront.pk, "total_minor": order.total_minor},
            ),
        ]
    )
    return order


def _lock_for_member(user: User, seller_order_id: int, roles: tuple[str, ...]) -> SellerOrder:
    allowed = seller_ids_for_member(user, roles=roles)
    try:
        seller_order = lock_row(SellerOrder.objects.filter(seller_id__in=allowed), seller_order_id)
    except SellerOrder.DoesNotExist:
        raise OrderNotFound(_("There is no such order for your shop.")) from None
    return seller_order


HANDLERS = (SellerMember.Role.OWNER, SellerMember.Role.MANAGER, SellerMember.Role.SHIPPING_CLERK)
DECIDERS = (SellerMember.Role.OWNER, SellerMember.Role.MANAGER)


def _settle_order(order_id: int) -> None:
    """Close the order when none of its seller orders is open any more."""
    order = lock_row(Order.objects.all(), order_id)
    statuses = set(SellerOrder.objects.filter(order_id=order_id).values_list("status", flat=True))
    if order.status != Order.Status.PLACED or statuses & set(SellerOrder.OPEN):
        return
    done = {SellerOrder.Status.SHIPPED, SellerOrder.Status.DELIVERED}
    transition(order, to=Order.Status.FULFILLED if statuses & done else Order.Status.CANCELLED)


@transaction.atomic
def seller_order_accept(*, seller_order_id: int, acting_user: User) -> SellerOrder:
    """Accept a new seller order; a retried request returns it unchanged."""
    seller_order = _lock_for_member(acting_user, seller_order_id, DECIDERS)
    if seller_order.status == SellerOrder.Status.ACCEPTED:
        return seller_order
    seller_order.accepted_at = timezone.now()
    transition(
        seller_order,
        to=SellerOrder.Status.ACCEPTED,
        by=acting_user,
        extra_fields=("accepted_at", "updated_at"),
    )
    emit("seller_order.accepted", seller_order_id=seller_order.pk, order_id=seller_order.order_id)
    return seller_order


def seller_order_refuse(*, seller_order_id: int, acting_user: User, reason: str) -> SellerOrder:
    """Refuse a new seller order and refund that seller's part of the payment.

    The refusal is committed first; the refund is then asked of the gateway outside any
    transaction with a key that belongs to this refusal, so a retry refunds once. A refund the
    gateway cannot make yet (capture still pending) is retried by the reconciler.
    """
    if not reason.strip():
        raise InvalidInput({"reason": [_("Tell the customer why you refuse the order.")]})
    with transaction.atomic():
        seller_order = _lock_for_member(acting_user, seller_order_id, DECIDERS)
        if seller_order.status != SellerOrder.Status.REFUSED:
            seller_order.refusal_reason = reason.strip()
            transition(
                seller_order,
                to=SellerOrder.Status.REFUSED,
                by=acting_user,
                reason=reason,
                extra_fields=("refusal_reason", "updated_at"),
            )
            emit("seller_order.refused", seller_order_id=seller_order.pk, order_id=seller_order.order_id)
            _settle_order(seller_order.order_id)
    seller_order_refund_due(seller_order_id=seller_order.pk)
    seller_order.refresh_from_db()
    return seller_order


def seller_order_refund_due(*, seller_order_id: int) -> int:
    """Refund what is still owed on a refused or cancelled seller order; return the amount asked.

    Idempotent: the refund's key is the seller order's, so asking twice refunds once.
    """
    seller_order = SellerOrder.objects.select_related("order").get(pk=seller_order_id)
    closed = (SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED)
    due = seller_order.total_minor - seller_order.refunded_minor
    if seller_order.status not in closed or due <= 0:
        return 0
    try:
        payment_refund(
            payment_id=seller_order.order.payment_id,
            amount=Money(due, seller_order.order.currency),
            idempotency_key=f"seller-order-{seller_order.uuid.hex}-{seller_order.status}",
            reason=f"{seller_order.number} {seller_order.status}",
        )
    except DomainError:
        return 0  # not refundable yet (capture pending): the reconciler asks again
    with transaction.atomic():
        locked = lock_row(SellerOrder.objects.all(), seller_order_id)
        if locked.refunded_minor < locked.total_minor:
            locked.refunded_minor = locked.total_minor
            locked.save(update_fields=["refunded_minor", "updated_at"])
            emit(
                "seller_order.refunded",
                seller_order_id=locked.pk,
                order_id=locked.order_id,
                amount_minor=due,
                currency=seller_order.order.currency,
            )
    return due


def quantities_left(seller_order: SellerOrder) -> dict[int, int]:
    """Per order line id, the quantity not in any parcel yet (lines in order)."""
    shipped: dict[int, int] = {}
    rows = ShipmentLine.objects.filter(shipment__seller_order=seller_order)
    for line_id, quantity in rows.values_list("order_line_id", "quantity"):
        shipped[line_id] = shipped.get(line_id, 0) + quantity
    lines = seller_order.lines.order_by("pk").values_list("pk", "quantity")
    return {pk: quantity - shipped.get(pk, 0) for pk, quantity in lines}


def _parcel_quantities(left: dict[int, int], quantities: Mapping[int, int] | None) -> dict[int, int]:
    """Check what the seller puts in the parcel against what is left; return the non-zero lines."""
    if quantities is None:
        wanted = {pk: n for pk, n in left.items() if n > 0}
        if not wanted:
            raise InvalidInput({"quantities": [_("Everything in this order is shipped already.")]})
        return wanted
    problems = []
    for pk, quantity in quantities.items():
        if pk not in left:
            problems.append(_("This item is not in the order."))
        elif quantity < 0 or quantity > left[pk]:
            problems.append(
                _("You can put between 0 and %(left)s of this item in the parcel.") % {"left": left[pk]}
            )
    if problems:
        raise InvalidInput({"quantities": problems})
    wanted = {pk: n for pk, n in quantities.items() if n > 0}
    if not wanted:
        raise InvalidInput({"quantities": [_("Put at least one item in the parcel.")]})
    return wanted


@transaction.atomic
def seller_order_ship(
    *,
    seller_order_id: int,
    acting_user: User,
    carrier: str,
    tracking_number: str,
    quantities: Mapping[int, int] | None = None,
    now: datetime | None = None,
) -> SellerOrder:
    """Ship one parcel of an accepted seller order: ``quantities`` per order line id (None: all
    that is left), with its carrier and tracking number; write ``seller_order.shipped`` with the
    parcel (one e-mail per parcel). The first parcel moves the seller order to shipped.

    A retried request (a parcel of this order has that tracking number) returns it unchanged.
    Raise InvalidInput for a quantity above what is left or an empty parcel, InvalidTransition
    when the order is not accepted or shipped. Locks the seller order.
    """
    errors = {}
    if not carrier.strip():
        errors["carrier"] = [_("Choose the carrier.")]
    if not tracking_number.strip() or len(tracking_number.strip()) > 60:
        errors["tracking_number"] = [_("Type the tracking number the carrier gave you.")]
    if errors:
        raise InvalidInput(errors)
    carrier, tracking = carrier.strip(), tracking_number.strip()
    seller_order = _lock_for_member(acting_user, seller_order_id, HANDLERS)
    if seller_order.shipments.filter(tracking_number=tracking).exists():
        return seller_order
    if seller_order.status not in (SellerOrder.Status.ACCEPTED, SellerOrder.Status.SHIPPED):
        raise InvalidTransition(_("Only an accepted order can be shipped."), field="status")
    wanted = _parcel_quantities(quantities_left(seller_order), quantities)
    now = now or timezone.now()
    shipment = Shipment.objects.create(
        seller_order=seller_order,
        number=seller_order.shipments.count() + 1,
        carrier=carrier,
        tracking_number=tracking,
        shipped_at=now,
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line_id=pk, quantity=n) for pk, n in wanted.items()
    )
    if seller_order.status == SellerOrder.Status.ACCEPTED:
        seller_order.carrier, seller_order.tracking_number, seller_order.shipped_at = carrier, tracking, now
        transition(
            seller_order,
            to=SellerOrder.Status.SHIPPED,
            by=acting_user,
            extra_fields=("carrier", "tracking_number", "shipped_at", "updated_at"),
        )
        _settle_order(seller_order.order_id)
    emit(
        "seller_order.shipped",
        seller_order_id=seller_order.pk,
        order_id=seller_order.order_id,
        shipment_id=shipment.pk,
        parcel=shipment.number,
    )
    return seller_order


def seller_order_mark_delivered(
    seller_order: SellerOrder, *, by: Actor, delivered_at: datetime, door: str, reason: str
) -> None:
    """Move a locked, shipped seller order to delivered at ``delivered_at`` (its last parcel's
    delivery): history row with actor and reason, event, settle."""
    seller_order.delivered_at = delivered_at
    transition(
        seller_order,
        to=SellerOrder.Status.DELIVERED,
        by=by,
        reason=reason,
        extra_fields=("delivered_at", "updated_at"),
    )
    emit(
        "seller_order.delivered",
        seller_order_id=seller_order.pk,
        order_id=seller_order.order_id,
        delivered_at=delivered_at.isoformat(),
        door=door,
    )
    _settle_order(seller_order.order_id)


def shipment_mark_delivered(
    seller_order: SellerOrder,
    shipment: Shipment,
    *,
    by: Actor,
    delivered_at: datetime,
    door: str,
    reason: str,
) -> bool:
    """Mark one parcel of a locked, shipped seller order delivered at ``delivered_at`` (not before
    its shipping); when every line is then in a delivered parcel, move the seller order to
    delivered at the latest parcel's delivery. Return False if the parcel was delivered already.

    Every door to "delivered" (galerie.orders.delivery, ``seller_order_deliver``) calls this.
    """
    if shipment.delivered_at is not None:
        return False
    if seller_order.status != SellerOrder.Status.SHIPPED:
        raise InvalidTransition(_("This parcel has not been shipped yet."), field="status")
    shipment.delivered_at = max(delivered_at, shipment.shipped_at)
    shipment.save(update_fields=["delivered_at"])
    emit(
        "shipment.delivered",
        seller_order_id=seller_order.pk,
        shipment_id=shipment.pk,
        parcel=shipment.number,
        delivered_at=shipment.delivered_at.isoformat(),
        door=door,
    )
    parcels = list(seller_order.shipments.values_list("delivered_at", flat=True))
    if any(at is None for at in parcels) or any(quantities_left(seller_order).values()):
        return True
    last = max(at for at in parcels if at is not None)
    seller_order_mark_delivered(seller_order, by=by, delivered_at=last, door=door, reason=reason)
    return True


def parcels_to_mark(seller_order: SellerOrder, shipment_id: int | None) -> list[Shipment]:
    """The parcels a delivery door marks: ``shipment_id``'s (OrderNotFound if it is not one of
    this seller order's), or every parcel not delivered yet."""
    parcels = seller_order.shipments.order_by("number")
    if shipment_id is None:
        return list(parcels.filter(delivered_at__isnull=True))
    parcel = parcels.filter(pk=shipment_id).first()
    if parcel is None:
        raise OrderNotFound(_("There is no such parcel in this order."))
    return [parcel]


@transaction.atomic
def seller_order_deliver(
    *, seller_order_id: int, acting_user: User, shipment_id: int | None = None, now: datetime | None = None
) -> SellerOrder:
    """Mark one parcel (``shipment_id``; None: every parcel not delivered yet) delivered at
    ``now``, for the seller; the seller order is delivered with its last item. A retried request
    returns it unchanged. Raise InvalidTransition if it is not shipped.

    The last delivery starts the withdrawal period after which the ledger makes the funds available.
    """
    seller_order = _lock_for_member(acting_user, seller_order_id, HANDLERS)
    if seller_order.status == SellerOrder.Status.DELIVERED:
        return seller_order
    if seller_order.status != SellerOrder.Status.SHIPPED:
        raise InvalidTransition(_("This parcel has not been shipped yet."), field="status")
    when = now or timezone.now()
    for parcel in parcels_to_mark(seller_order, shipment_id):
        shipment_mark_delivered(
            seller_order,
            parcel,
            by=acting_user,
            delivered_at=when,
            door="seller",
            reason="marked by the seller",
        )
    return seller_order
