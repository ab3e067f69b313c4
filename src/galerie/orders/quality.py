"""Seller quality per storefront: the figures, the thresholds they breach, and the warnings.

Over a window of orders placed (by default the storefront's last ``quality_window_days``), per
seller and storefront (docs/seller-quality.md):

- *received*: seller orders placed in the window, whatever their status;
- *acceptance rate*: accepted (or beyond) / decided, where decided = accepted + refused +
  cancelled because the seller missed its acceptance deadline; *acceptance delay*: the mean of
  ``accepted_at - placed_at`` over the orders accepted;
- *late shipments* / shipments due: shipped after ``placed_at + ship_within_days``, or still
  new or accepted past that date / shipped, plus still new or accepted past that date;
- *refusals* / received; *missed deadlines* (counted, and inside the acceptance rate);
- *refunds* / received: seller orders accepted (or beyond) with money refunded, and the amount
  refunded; the refunds of refusals and of orders never accepted are not the seller's doing
  after a sale, and refusals and missed deadlines are counted on their own.

Rates are integer basis points rounded half up; a seller with fewer than ``quality_min_orders``
orders in the window is shown but not judged. The worst sellers come first: the number of
thresholds breached, then the worst ratio of a figure to its threshold.

Every figure comes from one grouped query, whatever the number of sellers or storefronts, on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.models import StatusChange
from galerie.core.outbox import emit
from galerie.orders.models import SellerOrder, SellerQualityWarning
from galerie.sellers.models import Seller
from galerie.storefronts.errors import StorefrontNotFound
from galerie.storefronts.models import Storefront

Figure = SellerQualityWarning.Figure
Status = SellerOrder.Status
BP = 10_000
ONE_DAY = timedelta(days=1)
# The reason the acceptance-deadline job (orders/deadlines.py) writes on the history row of the
# seller orders it cancels: "not accepted within N hours".
MISSED_DEADLINE_REASON = "not accepted"
# When a threshold is 0, a ratio to it is taken against this many basis points.
_FLOOR_BP = 1


def rate_bp(part: int, whole: int) -> int | None:
    """Return ``part / whole`` in basis points, rounded half up; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return (2 * part * BP + whole) // (2 * whole)


def percent(bp: int | None) -> Decimal | None:
    """Basis points as a percentage (exact)."""
    return None if bp is None else Decimal(bp) / 100


@dataclass(frozen=True)
class Thresholds:
    window_days: int
    min_orders: int
    min_acceptance_bp: int
    max_late_bp: int
    max_refusal_bp: int
    max_refund_bp: int

    @classmethod
    def of(cls, storefront: Storefront) -> Thresholds:
        return cls(
            window_days=storefront.quality_window_days,
            min_orders=storefront.quality_min_orders,
            min_acceptance_bp=storefront.quality_min_acceptance_bp,
            max_late_bp=storefront.quality_max_late_bp,
            max_refusal_bp=storefront.quality_max_refusal_bp,
            max_refund_bp=storefront.quality_max_refund_bp,
        )

    @property
    def percents(self) -> dict[str, Decimal | None]:
        return {figure: percent(self.of_figure(figure)) for figure in Figure.values}

    def of_figure(self, figure: str) -> int:
        return {
            Figure.ACCEPTANCE: self.min_acceptance_bp,
            Figure.LATE: self.max_late_bp,
            Figure.REFUSAL: self.max_refusal_bp,
            Figure.REFUND: self.max_refund_bp,
        }[Figure(figure)]


@dataclass
class SellerQuality:
    """One seller's figures on one storefront over one window."""

    seller_id: int
    seller_name: str
    storefront_id: int
    storefront_name: str
    currency: str
    thresholds: Thresholds
    received: int = 0
    accepted: int = 0
    refused: int = 0
    missed_deadline: int = 0
    delay_orders: int = 0  # accepted orders with an accepted_at
    delay_total: timedelta = field(default_factory=timedelta)
    shipments_due: int = 0
    late: int = 0
    refunds: int = 0
    refunded_minor: int = 0

    @property
    def decided(self) -> int:
        return self.accepted + self.refused + self.missed_deadline

    @property
    def acceptance_bp(self) -> int | None:
        return rate_bp(self.accepted, self.decided)

    @property
    def late_bp(self) -> int | None:
        return rate_bp(self.late, self.shipments_due)

    @property
    def refusal_bp(self) -> int | None:
        return rate_bp(self.refused, self.received)

    @property
    def refund_bp(self) -> int | None:
        return rate_bp(self.refunds, self.received)

    @property
    def accept_delay_seconds(self) -> int | None:
        """The mean acceptance delay in whole seconds (rounded half up)."""
        if not self.delay_orders:
            return None
        micro = self.delay_total // timedelta(microseconds=1)
        return (2 * micro + 1_000_000 * self.delay_orders) // (2_000_000 * self.delay_orders)

    @property
    def accept_delay_hours(self) -> Decimal | None:
        """The mean acceptance delay in hours, to a tenth."""
        seconds = self.accept_delay_seconds
        if seconds is None:
            return None
        return (Decimal(seconds) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def value_bp(self, figure: str) -> int | None:
        return {
            Figure.ACCEPTANCE: self.acceptance_bp,
            Figure.LATE: self.late_bp,
            Figure.REFUSAL: self.refusal_bp,
            Figure.REFUND: self.refund_bp,
        }[Figure(figure)]

    @property
    def percents(self) -> dict[str, Decimal | None]:
        """Each rate as a percentage with two decimals (exact: basis points / 100)."""
        return {figure: percent(self.value_bp(figure)) for figure in Figure.values}

    @property
    def judged(self) -> bool:
        """Whether the seller had enough orders in the window to be held to the thresholds."""
        return self.received >= self.thresholds.min_orders

    def ratio_bp(self, figure: str) -> int:
        """How far the figure is towards (10,000) or past (more) its threshold, in basis points.

        For the acceptance rate it is the share not accepted against the share allowed."""
        value = self.value_bp(figure)
        if value is None:
            return 0
        threshold = self.thresholds.of_figure(figure)
        if figure == Figure.ACCEPTANCE:
            value, threshold = BP - value, BP - threshold
        return value * BP // max(threshold, _FLOOR_BP)

    def breaches(self, figure: str) -> bool:
        value = self.value_bp(figure)
        if not self.judged or value is None:
            return False
        if figure == Figure.ACCEPTANCE:
            return value < self.thresholds.min_acceptance_bp
        return value > self.thresholds.of_figure(figure)

    @property
    def breached(self) -> list[str]:
        """The figures past their threshold, in the order of ``Figure``."""
        return [figure for figure in Figure.values if self.breaches(figure)]

    @property
    def breached_by(self) -> dict[str, bool]:
        """Whether each figure is past its threshold (for the pages)."""
        return {figure: self.breaches(figure) for figure in Figure.values}

    @property
    def worst_ratio_bp(self) -> int:
        return max(self.ratio_bp(figure) for figure in Figure.values)

    @property
    def score(self) -> tuple[int, int]:
        """The rank: thresholds breached, then the worst ratio (higher is worse)."""
        return (len(self.breached), self.worst_ratio_bp)


def worst_first(rows: Iterable[SellerQuality]) -> list[SellerQuality]:
    """Sort by score, worst first; then by orders received (more first), then by name."""
    return sorted(rows, key=lambda r: (-r.score[0], -r.score[1], -r.received, r.seller_name, r.seller_id))


# --- the operator's choice ---------------------------------------------------------------------


def storefronts_for_quality() -> list[Storefront]:
    """Every storefront, by name: the back office's quality page chooses among them."""
    return list(Storefront.objects.order_by("name", "pk"))


def storefront_for_quality(storefronts: list[Storefront], code: str | None) -> Storefront:
    """The storefront of ``code`` among ``storefronts`` (the first when no code is given); raise
    StorefrontNotFound for an unknown code."""
    if not code:
        if storefronts:
            return storefronts[0]
    else:
        for storefront in storefronts:
            if storefront.code == code:
                return storefront
    raise StorefrontNotFound(_("There is no such storefront."))


# --- the one query -----------------------------------------------------------------------------


def _missed_deadline() -> Q:
    history = StatusChange.objects.filter(
        model=SellerOrder._meta.label,
        object_pk=Cast(OuterRef("pk"), output_field=CharField()),
        to_status=Status.CANCELLED,
        reason__startswith=MISSED_DEADLINE_REASON,
    )
    return Q(status=Status.CANCELLED, accepted_at__isnull=True) & Q(Exists(history))


def _ship_by(ship_within_days: dict[int, int]) -> Any:
    """The ship-by date of a seller order: placed_at + its storefront's ship_within_days (a
    constant per storefront, so a sum both databases compute alike)."""
    by_days: dict[int, list[int]] = {}
    for storefront_id, days in ship_within_days.items():
        by_days.setdefault(days, []).append(storefront_id)
    if len(by_days) == 1:
        [days] = by_days
        return ExpressionWrapper(F("order__placed_at") + Value(days * ONE_DAY), output_field=DateTimeField())
    return Case(
        *(
            When(order__storefront_id__in=ids, then=F("order__placed_at") + Value(days * ONE_DAY))
            for days, ids in sorted(by_days.items())
        ),
        output_field=DateTimeField(),
    )


def _figures(
    where: Q, group: tuple[str, ...], now: datetime, ship_within_days: dict[int, int]
) -> list[dict[str, Any]]:
    """Aggregate the seller orders matching ``where`` (on the storefronts of
    ``ship_within_days``) per ``group``, in one query."""
    ship_by = _ship_by(ship_within_days)
    accepted = Q(status__in=[Status.ACCEPTED, Status.SHIPPED, Status.DELIVERED]) | Q(
        accepted_at__isnull=False
    )
    missed = _missed_deadline()
    overdue = Q(shipped_at__isnull=True, status__in=SellerOrder.OPEN, ship_by__lt=now)
    refund = Q(refunded_minor__gt=0) & accepted
    delay = ExpressionWrapper(F("accepted_at") - F("order__placed_at"), output_field=DurationField())
    return list(
        SellerOrder.objects.filter(where)
        .alias(ship_by=ship_by)
        .values(*group)
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=accepted),
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            missed_deadline=Count("pk", filter=missed),
            delay_orders=Count("pk", filter=Q(accepted_at__isnull=False)),
            delay_total=Sum(delay, filter=Q(accepted_at__isnull=False)),
            shipments_due=Count("pk", filter=Q(shipped_at__isnull=False) | overdue),
            late=Count("pk", filter=Q(shipped_at__gt=F("ship_by")) | overdue),
            refunds=Count("pk", filter=refund),
            refunded_minor=Sum("refunded_minor", filter=refund),
        )
        .order_by()
    )


def _row(values: dict[str, Any], **identity: Any) -> SellerQuality:
    return SellerQuality(
        **identity,
        received=values["received"],
        accepted=values["accepted"],
        refused=values["refused"],
        missed_deadline=values["missed_deadline"],
        delay_orders=values["delay_orders"],
        delay_total=values["delay_total"] or timedelta(),
        shipments_due=values["shipments_due"],
        late=values["late"],
        refunds=values["refunds"],
        refunded_minor=values["refunded_minor"] or 0,
    )


def window_start(storefront: Storefront, now: datetime) -> datetime:
    """The start of the storefront's rolling quality window at ``now``."""
    return now - timedelta(days=storefront.quality_window_days)


def storefront_seller_quality(
    *,
    storefront: Storefront,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> list[SellerQuality]:
    """Return the quality of every seller with orders placed on ``storefront`` in [since, until)
    (by default the storefront's window up to now), worst first. One query.

    An order counts as late when unshipped past its ship-by date *at* ``now`` (or ``until``,
    when earlier)."""
    now = now or timezone.now()
    since = since or window_start(storefront, now)
    until = until or now
    where = Q(order__storefront_id=storefront.pk, order__placed_at__gte=since, order__placed_at__lt=until)
    thresholds = Thresholds.of(storefront)
    rows = _figures(
        where,
        ("seller_id", "seller__display_name"),
        min(now, until),
        {storefront.pk: storefront.ship_within_days},
    )
    return worst_first(
        _row(
            values,
            seller_id=values["seller_id"],
            seller_name=values["seller__display_name"],
            storefront_id=storefront.pk,
            storefront_name=storefront.name,
            currency=storefront.currency,
            thresholds=thresholds,
        )
        for values in rows
    )


def seller_quality_by_storefront(*, seller: Seller, now: datetime | None = None) -> list[SellerQuality]:
    """Return the seller's own quality on each storefront it has orders on, over each storefront's
    window, by storefront name. Two queries (the storefronts, the figures)."""
    now = now or timezone.now()
    storefronts = {
        s.pk: s for s in Storefront.objects.filter(orders__seller_orders__seller=seller).distinct()
    }
    if not storefronts:
        return []
    in_window = Q()
    for storefront in storefronts.values():
        in_window |= Q(
            order__storefront_id=storefront.pk, order__placed_at__gte=window_start(storefront, now)
        )
    ship_within_days = {pk: storefront.ship_within_days for pk, storefront in storefronts.items()}
    rows = _figures(Q(seller_id=seller.pk) & in_window, ("order__storefront_id",), now, ship_within_days)
    result = [
        _row(
            values,
            seller_id=seller.pk,
            seller_name=seller.display_name,
            storefront_id=(storefront := storefronts[values["order__storefront_id"]]).pk,
            storefront_name=storefront.name,
            currency=storefront.currency,
            thresholds=Thresholds.of(storefront),
        )
        for values in rows
    ]
    return sorted(result, key=lambda row: row.storefront_name)


# --- the warnings ------------------------------------------------------------------------------

WARNED_STATUSES = (Storefront.Status.OPEN, Storefront.Status.CLOSING)


def warning_window_start(storefront: Storefront, today: date) -> date:
    """The first day of the fixed window ``today`` falls in: windows of ``quality_window_days``
    days counted from 1 January 2000, so "once per window" does not slide."""
    epoch = date(2000, 1, 1)
    days = storefront.quality_window_days
    return epoch + timedelta(days=(today - epoch).days // days * days)


def seller_quality_warn(
    *,
    quality: SellerQuality,
    storefront: Storefront,
    today: date,
    warned: frozenset[str] = frozenset(),
) -> list[int]:
    """Record a warning for each figure of ``quality`` past its threshold not warned of yet in
    this window, and emit ``seller.quality_warning`` with them (one e-mail); return their ids.

    Idempotent and safe concurrently: the warning's unique (seller, storefront, figure, window)
    lets one of two concurrent runs insert it; the other skips it. ``warned``: the figures known
    to be warned of already in this window (not tried again)."""
    start = warning_window_start(storefront, today)
    created: list[int] = []
    with transaction.atomic():
        for figure in quality.breached:
            if figure in warned:
                continue
            try:
                with transaction.atomic():
                    warning = SellerQualityWarning.objects.create(
                        seller_id=quality.seller_id,
                        storefront=storefront,
                        figure=figure,
                        window_start=start,
                        value_bp=quality.value_bp(figure) or 0,
                        threshold_bp=quality.thresholds.of_figure(figure),
                        orders=quality.received,
                    )
            except IntegrityError:
                continue  # warned already in this window
            created.append(warning.pk)
        if created:
            emit(
                "seller.quality_warning",
                seller_id=quality.seller_id,
                storefront_id=storefront.pk,
                warning_ids=created,
            )
    return created


def seller_quality_warnings_send(*, now: datetime | None = None) -> int:
    """Warn every seller past a threshold on an open or closing storefront; return how many
    warnings were recorded (the job ``orders.quality_warnings``). Two queries per storefront,
    and a few per new warning."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    for storefront in Storefront.objects.filter(status__in=WARNED_STATUSES).order_by("pk"):
        warned: dict[int, set[str]] = {}
        sent = SellerQualityWarning.objects.filter(
            storefront=storefront, window_start=warning_window_start(storefront, today)
        )
        for seller_id, figure in sent.values_list("seller_id", "figure"):
            warned.setdefault(seller_id, set()).add(figure)
        for quality in storefront_seller_quality(storefront=storefront, now=now):
            already = frozenset(warned.get(quality.seller_id, ()))
            if set(quality.breached) - already:
                count += len(
                    seller_quality_warn(quality=quality, storefront=storefront, today=today, warned=already)
                )
    return count
