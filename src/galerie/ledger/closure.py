"""A storefront's closure on the ledger: the money still held for its sellers, the ledger's
balance, and the final payouts (registered with ``storefronts.closure`` in ``LedgerConfig.ready``;
docs/storefront-closure.md, "Money held for a storefront's sellers").

**Attribution.** Pending money (seller payable) is tagged with its seller order: what a seller
holds from the storefront's orders is exact. The available balance is credited per seller order
(availability) but debited by payouts as a whole, whatever storefront the money came from. A
seller selling on several storefronts has one available balance: its part from this storefront is
attributed *first in, first out* — a payout (or any line not tagged with a seller order) pays the
oldest money still held first; a line tagged with a seller order (a refund after availability,
a closure payout) takes that order's money first, then the oldest. So the part of one storefront
only decreases once its orders stop becoming available, and a closure payout, tagged with each
seller order it pays, brings it to exactly zero.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.actors import Actor
from galerie.ledger.availability import seller_order_availability_post, withdrawal_days
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, Payout
from galerie.ledger.payouts import payout_run_start
from galerie.ledger.services import AccountRef, NewEntry, credit, debit, entries_post, seller_funds_lock
from galerie.orders.models import SellerOrder
from galerie.sellers.models import Seller
from galerie.storefronts.closure import ClosureBlockers
from galerie.storefronts.errors import ClosureBlocked
from galerie.storefronts.models import Storefront

PAYABLE = AccountKind.SELLER_PAYABLE
AVAILABLE = AccountKind.SELLER_AVAILABLE
DEBT = AccountKind.SELLER_DEBT
TRANSIT = AccountKind.PAYOUTS_IN_TRANSIT


@dataclass
class HeldFunds:
    """What one seller holds, in one currency, from one storefront's orders."""

    pending: int = 0  # on the payable: not yet available
    available: int = 0  # its attributed part of the available balance
    parts: dict[int, int] = field(default_factory=dict)  # seller order -> its available money left
    debt: int = 0  # what the seller owes the operator (all storefronts: a debt is the seller's)

    @property
    def held(self) -> int:
        return self.pending + self.available


def _sellers_of(storefront_id: int) -> list[int]:
    return list(
        SellerOrder.objects.filter(order__storefront_id=storefront_id)
        .order_by()
        .values_list("seller_id", flat=True)
        .distinct()
    )


def storefront_held_funds(*, storefront_id: int) -> dict[tuple[int, str], HeldFunds]:
    """Return, by (seller, currency), what the storefront's sellers hold from its orders: pending
    exactly, available attributed first in, first out (module docstring), and their debts. Three
    queries; the available lines of those sellers are read once, in posting order."""
    sellers = _sellers_of(storefront_id)
    found: dict[tuple[int, str], HeldFunds] = defaultdict(HeldFunds)
    if not sellers:
        return {}
    ours = Q(seller_order__order__storefront_id=storefront_id)
    for row in (
        JournalLine.objects.filter(ours, account__kind=PAYABLE)
        .order_by()
        .values("account__seller_id", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    ):
        found[(row["account__seller_id"], row["currency"])].pending = row["c"] - row["d"]
    for row in (
        JournalLine.objects.filter(account__kind=DEBT, account__seller_id__in=sellers)
        .order_by()
        .values("account__seller_id", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    ):
        if row["d"] - row["c"]:
            found[(row["account__seller_id"], row["currency"])].debt = row["d"] - row["c"]
    lines = (
        JournalLine.objects.filter(account__kind=AVAILABLE, account__seller_id__in=sellers)
        .order_by("account__seller_id", "currency", "entry_id", "id")
        .values_list(
            "account__seller_id",
            "currency",
            "seller_order_id",
            "seller_order__order__storefront_id",
            "debit_minor",
            "credit_minor",
        )
    )
    queues: dict[tuple[int, str], _Queue] = defaultdict(_Queue)
    for seller_id, currency, part, part_storefront, debit_minor, credit_minor in lines.iterator(
        chunk_size=5000
    ):
        queue = queues[(seller_id, currency)]
        if credit_minor:
            queue.add(part, part_storefront == storefront_id, credit_minor)
        else:
            queue.take(part, debit_minor)
    for key, queue in queues.items():
        parts = {part: left for part, ours_, left in queue.items() if ours_ and left > 0 and part is not None}
        if parts:
            found[key].parts = parts
            found[key].available = sum(parts.values())
    return {key: funds for key, funds in found.items() if funds.held or funds.debt}


class _Queue:
    """A seller's available balance as credits in order, each with what is left of it."""

    def __init__(self) -> None:
        self.credits: deque[list[Any]] = deque()  # [part, ours, left]
        self.by_part: dict[int, list[list[Any]]] = defaultdict(list)

    def add(self, part: int | None, ours: bool, amount: int) -> None:
        item = [part, ours, amount]
        self.credits.append(item)
        if part is not None:
            self.by_part[part].append(item)

    def take(self, part: int | None, amount: int) -> None:
        if part is not None:  # a line about one seller order takes that order's money first
            for item in self.by_part.get(part, ()):
                step = min(item[2], amount)
                item[2] -= step
                amount -= step
                if not amount:
                    return
        while amount and self.credits:
            item = self.credits[0]
            step = min(item[2], amount)
            item[2] -= step
            amount -= step
            if not item[2]:
                self.credits.popleft()

    def items(self) -> list[tuple[int | None, bool, int]]:
        return [(part, ours, left) for part, ours, left in self.credits]


def ledger_closure_guard(*, storefront: Storefront, now: datetime, blockers: ClosureBlockers) -> None:
    """Fill in the money held for the storefront's sellers (per currency), their debts (listed,
    not blocking) and whether the ledger balances: every entry about the storefront's payments,
    and every currency's total."""
    held: dict[str, int] = defaultdict(int)
    debts: dict[str, int] = defaultdict(int)
    by_seller, in_debt = [], []
    for (seller_id, currency), funds in sorted(storefront_held_funds(storefront_id=storefront.pk).items()):
        if funds.held:
            held[currency] += funds.held
            by_seller.append(
                {
                    "seller_id": seller_id,
                    "currency": currency,
                    "pending": funds.pending,
                    "available": funds.available,
                }
            )
        if funds.debt:
            debts[currency] += funds.debt
            in_debt.append({"seller_id": seller_id, "currency": currency, "debt": funds.debt})
    blockers.held_minor = {c: a for c, a in held.items() if a}
    blockers.debts_minor = {c: a for c, a in debts.items() if a}
    blockers.details["held_by_seller"] = by_seller
    blockers.details["sellers_in_debt"] = in_debt
    blockers.ledger_balanced = ledger_balanced(storefront_id=storefront.pk)


def ledger_balanced(*, storefront_id: int) -> bool:
    """Whether each entry about the storefront's payments balances per currency, and the whole
    ledger's debits equal its credits per currency."""
    ours = JournalLine.objects.filter(payment__order__storefront_id=storefront_id).values("entry_id")
    unbalanced = (
        JournalLine.objects.filter(entry_id__in=ours)
        .order_by()
        .values("entry_id", "currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        .filter(~Q(d=F("c")))
    )
    if unbalanced.exists():
        return False
    totals = (
        JournalLine.objects.order_by()
        .values("currency")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        .filter(~Q(d=F("c")))
    )
    return not totals.exists()


def ledger_closure_payouts(*, storefront: Storefront, now: datetime, by: Actor) -> None:
    """The final payouts of a closing storefront's sellers, in the payout run of ``now``'s day:
    make available what is past its withdrawal period, then pay each seller what it holds from
    the storefront (no reserve: nothing of it can come back once nothing is open), its debt netted
    (what is left of a debt is listed in the closure report). Entry per seller and currency, key
    ``closure-payout:<storefront>:<run>:<seller>``: Dr seller available, one line per seller order
    it pays (tagged), Cr seller debt (netted), Cr payouts in transit (the transfer); a ``Payout``
    in the day's run, so that the run's bank file and statements carry it. Raises ClosureBlocked
    when the day's run is completed (its bank file is written) or already paid one of these
    sellers: the final payouts go into the next day's run."""
    cutoff = now - timedelta(days=withdrawal_days())
    delivered = list(
        SellerOrder.objects.filter(
            order__storefront_id=storefront.pk, status=SellerOrder.Status.DELIVERED, delivered_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    done = set(
        JournalEntry.objects.filter(
            idempotency_key__in=[f"availability:{pk}" for pk in delivered]
        ).values_list("idempotency_key", flat=True)
    )
    for pk in delivered:
        if f"availability:{pk}" not in done:
            seller_order_availability_post(seller_order_id=pk)
    funds = {
        key: f for key, f in storefront_held_funds(storefront_id=storefront.pk).items() if f.available > 0
    }
    for currency in sorted({currency for _seller, currency in funds}):
        mine = {seller: f for (seller, cur), f in funds.items() if cur == currency}
        run = payout_run_start(run_date=timezone.localdate(now), currency=currency, now=now)
        if run.completed_at is not None:
            raise ClosureBlocked(
                _("The payout run of %(day)s is completed: the final payouts go into the next day's run.")
                % {"day": run.run_date.isoformat()}
            )
        seller_funds_lock(seller_ids=sorted(mine), currency=currency)
        paid = set(Payout.objects.filter(run=run, seller_id__in=mine).values_list("seller_id", flat=True))
        if paid:
            raise ClosureBlocked(
                _(
                    "The payout run of %(day)s already paid sellers %(ids)s: the final payouts go into"
                    " the next day's run."
                )
                % {"day": run.run_date.isoformat(), "ids": ", ".join(map(str, sorted(paid)))}
            )
        plans = []
        for seller_id, f in sorted(mine.items()):
            amount = f.available
            netted = min(max(f.debt, 0), amount)
            postings = [
                debit(AccountRef(AVAILABLE, currency, seller_id), left, seller_order_id=part)
                for part, left in sorted(f.parts.items())
            ]
            postings.append(credit(AccountRef(DEBT, currency, seller_id), netted))
            postings.append(credit(AccountRef(TRANSIT, currency), amount - netted))
            plans.append(
                (seller_id, amount, netted, f.debt, [p for p in postings if p.debit_minor or p.credit_minor])
            )
        entries = entries_post(
            [
                NewEntry(
                    idempotency_key=f"closure-payout:{storefront.pk}:{run.pk}:{seller_id}",
                    kind=JournalEntry.Kind.PAYOUT,
                    description=f"Final payout of {storefront.code} to seller {seller_id}",
                    postings=postings,
                )
                for seller_id, _amount, _netted, _debt, postings in plans
            ]
        )
        ibans = dict(Seller.objects.filter(pk__in=[plan[0] for plan in plans]).values_list("pk", "iban"))
        Payout.objects.bulk_create(
            Payout(
                run=run,
                seller_id=seller_id,
                entry=entry,
                currency=currency,
                amount_minor=amount - netted,
                reserve_minor=0,
                debt_netted_minor=netted,
                debt_left_minor=max(debt, 0) - netted,
                iban=ibans[seller_id],
            )
            for (seller_id, amount, netted, debt, _postings), entry in zip(plans, entries, strict=True)
        )
