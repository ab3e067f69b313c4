"""Payout runs: pay each seller its available balance minus the rolling reserve and its debts.

A run is a ``PayoutRun`` row per day and currency. Sellers are paid in batches (500 per
transaction, set-based): the transaction locks the batch's funds, skips the sellers the run
already has a ``Payout`` for (unique per run and seller), posts the payout entries (keys
``payout:<run>:<seller>``) and writes the ``Payout`` rows. So a second run, or a run resumed
after a crash or SIGKILL, pays nobody twice; a batch is paid whole or not at all.
The bank file and the statements are written from the database once every seller is done.

A seller with an active payout hold (``ledger/holds.py``: e.g. DAC7 data missing after two
reminders) is skipped: its available balance waits for the first run after the hold is lifted.

A run has one "as of" time (``PayoutRun.as_of``, fixed when the run starts, kept when it resumes):
the end of its day, or the moment it started when the day is today. Which deliveries are past
their withdrawal period and the window of the rolling reserve are taken at that time. A run for a
day that has not come is refused (it would pay nothing, then block that day's real run).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from galerie.core.crashpoints import crash_point
from galerie.core.outbox import emit_many
from galerie.ledger.errors import PayoutRunInFuture
from galerie.ledger.holds import held_seller_ids
from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, Payout, PayoutRun
from galerie.ledger.services import AccountRef, NewEntry, credit, debit, entries_post, seller_funds_lock
from galerie.sellers.models import Seller

logger = logging.getLogger(__name__)

AVAILABLE = AccountKind.SELLER_AVAILABLE
DEBT = AccountKind.SELLER_DEBT
TRANSIT = AccountKind.PAYOUTS_IN_TRANSIT
PAYOUT_BATCH_SIZE = 500  # sellers per transaction of a payout run


def reserve_bp() -> int:
    return int(getattr(settings, "GALERIE_PAYOUT_RESERVE_BP", 1000))


def reserve_days() -> int:
    return int(getattr(settings, "GALERIE_PAYOUT_RESERVE_DAYS", 30))


def payout_dir() -> Path:
    default = Path(getattr(settings, "VAR_DIR", Path.cwd() / "var")) / "payouts"
    return Path(getattr(settings, "GALERIE_PAYOUT_DIR", default))


def _as_of(run_date: date, now: datetime) -> datetime:
    end = timezone.make_aware(datetime.combine(run_date + timedelta(days=1), datetime.min.time()))
    return min(now, end)


def payout_run_date_check(*, run_date: date, now: datetime | None = None) -> None:
    """Raise PayoutRunInFuture when ``run_date`` is after today (in the site's time zone)."""
    today = timezone.localdate(now or timezone.now())
    if run_date > today:
        raise PayoutRunInFuture(
            f"The payout run of {run_date.isoformat()} cannot run before that day (today is"
            f" {today.isoformat()}): it would pay nothing and then block that day's run.",
            field="date",
        )


def seller_sales(*, seller_id: int, currency: str, since: datetime, until: datetime) -> int:
    """Return what the seller's allocated sales credited to its payable in [since, until]."""
    return sellers_sales(seller_ids=[seller_id], currency=currency, since=since, until=until).get(
        seller_id, 0
    )


def sellers_sales(
    *, seller_ids: Sequence[int], currency: str, since: datetime, until: datetime
) -> dict[int, int]:
    """Return, by seller, what allocated sales credited to the sellers' payables in [since, until]."""
    rows = (
        JournalLine.objects.filter(
            account__kind=AccountKind.SELLER_PAYABLE,
            account__seller_id__in=seller_ids,
            currency=currency,
            entry__kind=JournalEntry.Kind.ALLOCATION,
            entry__posted_at__gte=since,
            entry__posted_at__lte=until,
        )
        .order_by()
        .values_list("account__seller_id")
        .annotate(s=Sum("credit_minor"))
    )
    return {seller_id: total or 0 for seller_id, total in rows}


def _reserve_of(sales: int) -> int:
    return (sales * reserve_bp() + 5000) // 10000


def seller_reserve(*, seller_id: int, currency: str, as_of: datetime) -> int:
    """Return the rolling reserve: GALERIE_PAYOUT_RESERVE_BP of the sales of the last
    GALERIE_PAYOUT_RESERVE_DAYS days, rounded half up."""
    sales = seller_sales(
        seller_id=seller_id, currency=currency, since=as_of - timedelta(days=reserve_days()), until=as_of
    )
    return _reserve_of(sales)


def payout_run_start(*, run_date: date, currency: str = "EUR", now: datetime | None = None) -> PayoutRun:
    """Return the run of this day and currency, creating it on first call with its as-of time.

    Raise PayoutRunInFuture for a day after today: nothing is created."""
    now = now or timezone.now()
    payout_run_date_check(run_date=run_date, now=now)
    try:
        with transaction.atomic():
            run, _ = PayoutRun.objects.get_or_create(
                run_date=run_date, currency=currency, defaults={"as_of": _as_of(run_date, now)}
            )
    except IntegrityError:  # started concurrently
        run = PayoutRun.objects.get(run_date=run_date, currency=currency)
    if run.as_of is None:  # a run started before runs kept their as-of time
        run.as_of = _as_of(run_date, now)
        run.save(update_fields=["as_of"])
    return run


def seller_payout_post(*, run_id: int, seller_id: int) -> Payout | None:
    """Pay one seller in a run, at most once: available - reserve - debt netted.

    Dr seller available (available - reserve) / Cr seller debt (netted) / Cr payouts in transit
    (the transfer). Locks the seller's funds; returns the existing payout if the run has one,
    None if there is nothing to release.
    """
    run = PayoutRun.objects.get(pk=run_id)
    return sellers_payout_post(run=run, seller_ids=[seller_id]).get(seller_id)


def sellers_payout_post(*, run: PayoutRun, seller_ids: Sequence[int]) -> dict[int, Payout]:
    """Pay these sellers in the run, each at most once, in one transaction; return their payouts
    by seller (those the run had already included; sellers with nothing to release are absent).

    Set-based: one lock statement for the sellers' funds (lowest account first, as every posting
    about seller funds takes them), then one query each for the payouts already made, the
    balances, the reserve's sales and the IBANs, one ``entries_post`` and one INSERT of the
    payouts. All or nothing: a crash leaves no seller of the batch half-paid, and a new run
    skips the sellers that have their ``Payout``.
    """
    if run.as_of is None:
        raise RuntimeError(f"Payout run {run.pk} has no as-of time: start it with payout_run_start().")
    currency, as_of = run.currency, run.as_of
    with transaction.atomic():
        seller_funds_lock(seller_ids=seller_ids, currency=currency)
        done = {p.seller_id: p for p in Payout.objects.filter(run=run, seller_id__in=seller_ids)}
        # A seller with an active payout hold (ledger/holds.py) is not paid: its balance waits.
        todo = sorted(set(seller_ids) - done.keys() - held_seller_ids(seller_ids=seller_ids))
        if not todo:
            return done
        balances: dict[tuple[int, str], int] = {}
        for row in (
            JournalLine.objects.filter(
                account__seller_id__in=todo, account__kind__in=[AVAILABLE, DEBT], currency=currency
            )
            .order_by()
            .values("account__seller_id", "account__kind")
            .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        ):
            balances[(row["account__seller_id"], row["account__kind"])] = row["c"] - row["d"]
        sales = sellers_sales(
            seller_ids=todo, currency=currency, since=as_of - timedelta(days=reserve_days()), until=as_of
        )
        plans: list[tuple[int, int, int, int, int]] = []  # seller, releasable, reserve, netted, debt
        for seller_id in todo:
            available, debt = balances.get((seller_id, AVAILABLE), 0), -balances.get((seller_id, DEBT), 0)
            reserve = min(max(available, 0), _reserve_of(sales.get(seller_id, 0)))
            releasable = available - reserve
            if releasable > 0:
                plans.append((seller_id, releasable, reserve, min(debt, releasable), debt))
        if not plans:
            return done
        entries = entries_post(
            [
                NewEntry(
                    idempotency_key=f"payout:{run.pk}:{seller_id}",
                    kind=JournalEntry.Kind.PAYOUT,
                    description=f"Payout {run.run_date} to seller {seller_id}",
                    postings=[
                        debit(AccountRef(AVAILABLE, currency, seller_id), releasable),
                        credit(AccountRef(DEBT, currency, seller_id), netted),
                        credit(AccountRef(TRANSIT, currency), releasable - netted),
                    ],
                )
                for seller_id, releasable, _, netted, _ in plans
            ]
        )
        ibans = dict(Seller.objects.filter(pk__in=[plan[0] for plan in plans]).values_list("pk", "iban"))
        made = Payout.objects.bulk_create(
            Payout(
                run=run,
                seller_id=seller_id,
                entry=entry,
                currency=currency,
                amount_minor=releasable - netted,
                reserve_minor=reserve,
                debt_netted_minor=netted,
                debt_left_minor=debt - netted,
                iban=ibans[seller_id],
            )
            for (seller_id, releasable, reserve, netted, debt), entry in zip(plans, entries, strict=True)
        )
        emit_many(
            ("payout.paid", {"payout_id": p.pk, "seller_id": p.seller_id, "run_id": run.pk}) for p in made
        )
    return {**done, **{payout.seller_id: payout for payout in made}}


def sellers_to_pay(*, run: PayoutRun) -> list[int]:
    """Return the sellers with an available balance, no payout in this run yet and no active
    payout hold, by id."""
    rows = (
        JournalLine.objects.filter(account__kind=AVAILABLE, currency=run.currency)
        .order_by()
        .values("account__seller_id")
        .annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
        .filter(c__gt=F("d"))
    )
    paid = set(Payout.objects.filter(run=run).values_list("seller_id", flat=True))
    skipped = paid | held_seller_ids()
    return sorted(r["account__seller_id"] for r in rows if r["account__seller_id"] not in skipped)


@dataclass(frozen=True)
class RunResult:
    run: PayoutRun
    paid_now: int
    payouts: int
    total_minor: int
    bank_file: Path | None
    already_completed: bool
    made_available: int = 0


def payouts_run(
    *,
    run_date: date,
    currency: str = "EUR",
    now: datetime | None = None,
    pause_seconds: float = 0.0,
    log: Callable[[str], None] | None = None,
    batch_size: int = PAYOUT_BATCH_SIZE,
) -> RunResult:
    """Run (or resume) the payout run of ``run_date`` at its one as-of time: make available what
    is past its withdrawal period then, pay every seller not yet paid in the run, then write the
    pain.001 file and one CSV statement per payout. A completed run does nothing.

    Sellers are paid ``batch_size`` at a time, one transaction per batch (``sellers_payout_post``);
    ``pause_seconds`` pauses between batches (a test hook). ``now`` is the real time (tests pass
    it). Raise PayoutRunInFuture for a day after today."""
    from galerie.ledger.availability import seller_orders_make_available
    from galerie.ledger.sepa import pain001_write
    from galerie.ledger.statements import statement_csv, statements_rows

    run = payout_run_start(run_date=run_date, currency=currency, now=now)
    if run.completed_at is not None:
        payouts = list(run.payouts.all())
        return RunResult(
            run, 0, len(payouts), sum(p.amount_minor for p in payouts),
            (payout_dir() / run.file_name) if run.file_name else None, True,
        )  # fmt: skip
    made_available = seller_orders_make_available(now=run.as_of)
    paid_now = 0
    todo = sellers_to_pay(run=run)
    for start in range(0, len(todo), max(1, batch_size)):
        batch = todo[start : start + max(1, batch_size)]
        paid = sellers_payout_post(run=run, seller_ids=batch)
        paid_now += len(paid)
        crash_point("ledger.payout_batch_paid")
        if log:
            for seller_id in sorted(paid):
                log(f"paid seller {seller_id}")
        if pause_seconds:
            time.sleep(pause_seconds)
    payouts = list(run.payouts.select_related("seller", "entry").order_by("seller_id"))
    folder = payout_dir() / run.run_date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    bank_file = None
    transfers = [p for p in payouts if p.amount_minor > 0]
    if transfers:
        bank_file = folder / f"pain001-{run.run_date.isoformat()}-{run.currency}.xml"
        _atomic_write(bank_file, pain001_write(run=run, payouts=transfers))
    for start in range(0, len(payouts), 500):
        chunk = payouts[start : start + 500]
        rows = statements_rows(payouts=chunk)
        for payout in chunk:
            _atomic_write(
                folder / f"statement-{payout.pk}-seller-{payout.seller_id}.csv",
                statement_csv(rows[payout.pk]).encode(),
            )
    with transaction.atomic():
        locked = PayoutRun.objects.select_for_update().get(pk=run.pk)
        locked.completed_at = timezone.now()
        locked.file_name = str(bank_file.relative_to(payout_dir())) if bank_file else ""
        locked.save(update_fields=["completed_at", "file_name"])
    return RunResult(
        locked, paid_now, len(payouts), sum(p.amount_minor for p in payouts), bank_file, False, made_available
    )


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def payout_runs_resume(*, started_before: datetime, log: Callable[[str], None] | None = None) -> int:
    """Finish the payout runs a killed process left incomplete, started before ``started_before``
    (younger ones may still be running); return how many were finished.

    A run killed half-way has paid some sellers in the ledger but written no bank file: until it is
    resumed that money is in transit with no transfer. Resuming pays nobody twice (see
    ``sellers_payout_post``) and keeps the run's as-of time."""
    finished = 0
    stale = PayoutRun.objects.filter(completed_at__isnull=True, started_at__lt=started_before)
    for run_date, currency in stale.order_by("run_date", "currency").values_list("run_date", "currency"):
        result = payouts_run(run_date=run_date, currency=currency)
        if log:
            log(f"payout run {run_date} {currency} resumed: {result.paid_now} sellers paid now")
        finished += 1
    return finished
