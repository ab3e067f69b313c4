"""A seller's DAC7 figures for a calendar year, from the ledger (docs/dac7.md).

Per seller order allocated in the year (the ``allocation`` entry crediting the seller's payable,
posted in the operator's ``TIME_ZONE``), in the quarter of that allocation:

* **consideration** = what the allocation credited to the seller (the part's total minus the
  commission and the VAT on it) minus what refunds, refusals/cancellations and charges
  (``refund``, ``seller_order_reversal``, ``seller_charge`` entries tagged with the part) took
  back from the seller's payable, available and debt accounts up to the end of the year;
* **fees** = commission revenue credited for the part, net of what those entries gave back;
* **taxes** = VAT on that commission, net likewise;
* one **sale** (relevant activity) when the part's consideration stays above zero.

So a quarter with sales always has consideration (the DPI schema requires it) and a refund lowers
the quarter of the sale it refunds. Payouts and availability move money between the seller's own
accounts and are not consideration; manual adjustments and reversals are left out. EUR only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from galerie.ledger.models import SELLER_KINDS, AccountKind, JournalEntry, JournalLine

CURRENCY = "EUR"
TAKE_BACK_KINDS = (
    JournalEntry.Kind.REFUND,
    JournalEntry.Kind.SELLER_ORDER_REVERSAL,
    JournalEntry.Kind.SELLER_CHARGE,
)


@dataclass
class Quarters:
    """Four quarterly amounts (minor units) or counts."""

    values: list[int] = field(default_factory=lambda: [0, 0, 0, 0])

    def add(self, quarter: int, amount: int) -> None:
        self.values[quarter - 1] += amount

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class SellerFigures:
    seller_id: int
    consideration: Quarters = field(default_factory=Quarters)
    fees: Quarters = field(default_factory=Quarters)
    taxes: Quarters = field(default_factory=Quarters)
    sales: Quarters = field(default_factory=Quarters)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """Return the first instant of ``year`` and of the next one, in the operator's time zone."""
    tz = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def quarter_of(moment: datetime) -> int:
    return (timezone.localtime(moment, timezone.get_default_timezone()).month - 1) // 3 + 1


def dac7_figures(*, year: int, seller_ids: Iterable[int] | None = None) -> dict[int, SellerFigures]:
    """Return the year's figures of every seller with an allocation in it (or of ``seller_ids``),
    by seller id. Three queries; memory in the number of the year's seller orders."""
    start, end = year_bounds(year)
    allocations = JournalLine.objects.filter(
        entry__kind=JournalEntry.Kind.ALLOCATION,
        account__kind=AccountKind.SELLER_PAYABLE,
        currency=CURRENCY,
        entry__posted_at__gte=start,
        entry__posted_at__lt=end,
        credit_minor__gt=0,
    )
    if seller_ids is not None:
        allocations = allocations.filter(account__seller_id__in=list(seller_ids))
    # part key → (seller, quarter, credited); a line without its seller order is its own part.
    parts: dict[object, tuple[int, int, int]] = {}
    for line_id, seller_order_id, seller_id, posted_at, credited in allocations.values_list(
        "pk", "seller_order_id", "account__seller_id", "entry__posted_at", "credit_minor"
    ).iterator(chunk_size=5000):
        key: object = seller_order_id if seller_order_id is not None else ("line", line_id)
        if key in parts:  # never two allocations of one part; keep the first, add the credit
            s, q, c = parts[key]
            parts[key] = (s, q, c + credited)
        else:
            parts[key] = (seller_id, quarter_of(posted_at), credited)
    tagged = allocations.exclude(seller_order__isnull=True).values("seller_order_id")
    taken: dict[int, int] = defaultdict(int)
    for row in (
        JournalLine.objects.filter(
            seller_order_id__in=tagged,
            account__kind__in=SELLER_KINDS,
            currency=CURRENCY,
            entry__kind__in=TAKE_BACK_KINDS,
            entry__posted_at__lt=end,
        )
        .order_by()
        .values("seller_order_id")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    ):
        taken[row["seller_order_id"]] += row["d"] - row["c"]
    operator: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        JournalLine.objects.filter(
            seller_order_id__in=tagged,
            account__kind__in=[AccountKind.COMMISSION_REVENUE, AccountKind.COMMISSION_VAT],
            currency=CURRENCY,
            entry__kind__in=[JournalEntry.Kind.ALLOCATION, *TAKE_BACK_KINDS],
            entry__posted_at__lt=end,
        )
        .order_by()
        .values("seller_order_id", "account__kind")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    ):
        operator[(row["seller_order_id"], row["account__kind"])] += row["c"] - row["d"]
    result: dict[int, SellerFigures] = {}
    for key, (seller_id, quarter, credited) in parts.items():
        figures = result.setdefault(seller_id, SellerFigures(seller_id))
        net = max(credited - taken.get(key, 0) if isinstance(key, int) else credited, 0)
        figures.consideration.add(quarter, net)
        if isinstance(key, int):
            figures.fees.add(quarter, max(operator.get((key, AccountKind.COMMISSION_REVENUE), 0), 0))
            figures.taxes.add(quarter, max(operator.get((key, AccountKind.COMMISSION_VAT), 0), 0))
        if net > 0:
            figures.sales.add(quarter, 1)
    return result
