"""When a seller order's withdrawal period ends, and what the customer may withdraw from now.

Code de la consommation L221-18: 14 days from the day the customer (or a third party they
named) takes physical possession of the goods — for several goods delivered separately, of
the last one (Directive 2011/83/EU art. 9(2)(b)(ii)). A seller order ships in one or several
parcels; it is delivered, and ``SellerOrder.delivered_at`` set, when its last parcel is: the
delivery of its last item (docs/delivery.md). While some parcels are still on their way the
period has not started: the state is ``not_delivered``. Regulation 1182/71 art. 3: the day of delivery is
not counted and the period ends at the end of its last day; L221-19: a period ending on a
Saturday, Sunday or public holiday runs to the end of the next working day. So the function is
open while ``now < ends_at``, ``ends_at`` being midnight (``TIME_ZONE``) after that last day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from galerie.catalog.models import ProductType
from galerie.orders.models import OrderLine, SellerOrder

Exception_ = ProductType.WithdrawalException
# L217-3 ff.: the legal guarantee of conformity lasts two years from delivery.
GUARANTEE_DAYS = 2 * 365
SEALED = (Exception_.SEALED_HYGIENE, Exception_.SEALED_MEDIA)
EXCLUDED = (Exception_.PERSONALISED, Exception_.PRESS, Exception_.PERISHABLE)


def withdrawal_days() -> int:
    return int(getattr(settings, "GALERIE_WITHDRAWAL_DAYS", 14))


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(year: int) -> set[date]:
    """The eleven public holidays of metropolitan France (Code du travail L3133-1)."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter + timedelta(days=n) for n in (1, 39, 50)]  # Easter Monday, Ascension, Whit Monday
    return {date(year, m, d) for m, d in fixed} | set(moving)


def withdrawal_ends_at(delivered_at: datetime) -> datetime:
    """Return the instant the period ends: midnight after the 14th day following delivery
    (TIME_ZONE), moved past Saturdays, Sundays and public holidays."""
    last = timezone.localdate(delivered_at) + timedelta(days=withdrawal_days())
    while last.weekday() >= 5 or last in french_holidays(last.year):
        last += timedelta(days=1)
    return timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))


@dataclass
class ReturnableLine:
    line: OrderLine
    left: int  # quantity not yet in a withdrawal or return
    exception: str  # ProductType.WithdrawalException value
    excluded: bool  # never withdrawable (personalised, press, perishable)
    sealed: bool  # withdrawable only if the customer states the seal is intact


@dataclass
class WithdrawalState:
    """What the order page shows for one seller order (``why`` when nothing is offered)."""

    offered: bool
    why: str  # open, private_seller, not_delivered, over, excluded, nothing_left, refunded, closed
    ends_at: datetime | None = None
    last_day: date | None = None  # the last whole day of the period (``ends_at`` is midnight after it)
    defect_until: datetime | None = None
    lines: list[ReturnableLine] = field(default_factory=list)

    @property
    def days(self) -> int:
        """The length of the period in days, as configured (GALERIE_WITHDRAWAL_DAYS), for the page."""
        return withdrawal_days()


def returned_quantities(seller_order: SellerOrder) -> dict[int, int]:
    """Per order line, the quantity in withdrawals and returns not refused."""
    from galerie.returns.models import Return, ReturnLine

    rows = ReturnLine.objects.filter(ret__seller_order=seller_order).exclude(
        ret__status=Return.Status.REFUSED
    )
    taken: dict[int, int] = {}
    for line_id, quantity in rows.values_list("order_line_id", "quantity"):
        taken[line_id] = taken.get(line_id, 0) + quantity
    return taken


def returnable_lines(
    seller_order: SellerOrder,
    *,
    lines: list[OrderLine] | None = None,
    taken: dict[int, int] | None = None,
) -> list[ReturnableLine]:
    """The seller order's lines with what is left to return and their exception (``lines``
    with their product types and ``taken`` may be given, loaded for a whole order)."""
    taken = returned_quantities(seller_order) if taken is None else taken
    if lines is None:
        lines = list(seller_order.lines.select_related("variant__product__product_type").order_by("pk"))
    rows = []
    for line in lines:
        exception = line.variant.product.product_type.withdrawal_exception
        rows.append(
            ReturnableLine(
                line=line,
                left=line.quantity - taken.get(line.pk, 0),
                exception=exception,
                excluded=exception in EXCLUDED,
                sealed=exception in SEALED,
            )
        )
    return rows


def withdrawal_state(
    *,
    seller_order: SellerOrder,
    now: datetime | None = None,
    lines: list[OrderLine] | None = None,
    taken: dict[int, int] | None = None,
) -> WithdrawalState:
    """Say whether the withdrawal function is offered for ``seller_order`` at ``now``, and why not."""
    now = now or timezone.now()
    if not seller_order.seller.is_trader:
        return WithdrawalState(offered=False, why="private_seller")
    if seller_order.status in (SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED):
        return WithdrawalState(offered=False, why="closed")
    if seller_order.status != SellerOrder.Status.DELIVERED or seller_order.delivered_at is None:
        # Before delivery the customer may already withdraw (L221-18), but nothing was sent
        # yet: the function opens with the delivery (docs/withdrawal-and-returns.md). With some
        # parcels delivered and others not, the period has not started either (it runs from
        # the last item): the function opens with the last parcel (docs/delivery.md).
        return WithdrawalState(offered=False, why="not_delivered")
    ends_at = withdrawal_ends_at(seller_order.delivered_at)
    last_day = timezone.localdate(ends_at) - timedelta(days=1)
    defect_until = seller_order.delivered_at + timedelta(days=GUARANTEE_DAYS)
    rows = returnable_lines(seller_order, lines=lines, taken=taken)
    if now >= ends_at:
        return WithdrawalState(
            offered=False,
            why="over",
            ends_at=ends_at,
            last_day=last_day,
            defect_until=defect_until,
            lines=rows,
        )
    if seller_order.refunded_minor >= seller_order.total_minor:
        # An incident (or the operator) gave everything back already: a withdrawal would refund nothing.
        return WithdrawalState(
            offered=False,
            why="refunded",
            ends_at=ends_at,
            last_day=last_day,
            defect_until=defect_until,
            lines=rows,
        )
    if not any(r.left > 0 and not r.excluded for r in rows):
        why = "excluded" if any(r.left > 0 for r in rows) else "nothing_left"
        return WithdrawalState(
            offered=False, why=why, ends_at=ends_at, last_day=last_day, defect_until=defect_until, lines=rows
        )
    return WithdrawalState(
        offered=True, why="open", ends_at=ends_at, last_day=last_day, defect_until=defect_until, lines=rows
    )
