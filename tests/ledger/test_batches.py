"""Posting many entries at once, and paying many sellers per transaction: the same books as one
at a time, all or nothing, and never twice."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from galerie.ledger.errors import UnbalancedEntry
from galerie.ledger.models import Account, AccountKind, JournalEntry, JournalLine, Payout, PayoutRun
from galerie.ledger.payouts import payouts_run, sellers_payout_post
from galerie.ledger.selectors import account_balance, seller_position, unbalanced_entry_ids
from galerie.ledger.services import AccountRef, NewEntry, credit, debit, entries_post, entry_post
from galerie.ledger.statements import statement_rows, statements_rows
from tests.factories import make_seller
from tests.ledger.payout_helpers import fund

pytestmark = pytest.mark.django_db

GR = AccountRef(AccountKind.GATEWAY_RECEIVABLE, "EUR")
CC = AccountRef(AccountKind.CUSTOMER_CLEARING, "EUR")
COMMISSION = AccountRef(AccountKind.COMMISSION_REVENUE, "EUR")
AVAILABLE, DEBT, PAYABLE = AccountKind.SELLER_AVAILABLE, AccountKind.SELLER_DEBT, AccountKind.SELLER_PAYABLE
TRANSIT = AccountKind.PAYOUTS_IN_TRANSIT
counter = itertools.count()


def _entry(key: str, amount: int) -> NewEntry:
    return NewEntry(key, JournalEntry.Kind.ADJUSTMENT, "test", [debit(GR, amount), credit(CC, amount)])


def test_a_batch_is_posted_in_order_and_keys_already_posted_return_their_entry():
    first = entry_post(
        idempotency_key="k0", kind="adjustment", description="t", postings=[debit(GR, 5), credit(CC, 5)]
    )
    posted = entries_post([_entry("k1", 10), _entry("k0", 99), _entry("k2", 20), _entry("k1", 77)])
    assert [e.idempotency_key for e in posted] == ["k1", "k0", "k2", "k1"]
    assert posted[1].pk == first.pk and posted[0].pk == posted[3].pk  # the first post of a key counts
    assert JournalEntry.objects.count() == 3
    assert account_balance(account=Account.objects.get(kind=AccountKind.GATEWAY_RECEIVABLE)) == 5 + 10 + 20
    assert [(line.debit_minor, line.credit_minor) for line in posted[2].lines.all()] == [(20, 0), (0, 20)]
    assert unbalanced_entry_ids() == []


def test_one_unbalanced_entry_refuses_the_whole_batch_and_nothing_is_written():
    bad = NewEntry("bad", JournalEntry.Kind.ADJUSTMENT, "t", [debit(GR, 10), credit(CC, 9)])
    with pytest.raises(UnbalancedEntry):
        entries_post([_entry("a", 10), bad, _entry("b", 10)])
    assert (JournalEntry.objects.count(), JournalLine.objects.count(), Account.objects.count()) == (0, 0, 0)


def test_a_refused_entry_leaves_the_callers_transaction_usable():
    with transaction.atomic():
        with pytest.raises(UnbalancedEntry):
            entry_post(
                idempotency_key="x",
                kind="adjustment",
                description="t",
                postings=[debit(GR, 1), credit(CC, 2)],
            )
        entry_post(
            idempotency_key="y", kind="adjustment", description="t", postings=[debit(GR, 1), credit(CC, 1)]
        )
    assert list(JournalEntry.objects.values_list("idempotency_key", flat=True)) == ["y"]


@settings(max_examples=25, deadline=None, database=None)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(1, 10**9), st.lists(st.integers(1, 10**6), min_size=1, max_size=4), st.booleans()
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_batch_of_balanced_entries_keeps_every_account_equal_to_its_lines(entries):
    sellers = [make_seller().pk for _ in range(2)]
    run = next(counter)
    expected: dict[AccountRef, int] = defaultdict(int)
    batch = []
    for n, (_, parts, to_sellers) in enumerate(entries):
        total = sum(parts)
        refs = [
            AccountRef(PAYABLE, "EUR", sellers[i % 2]) if to_sellers else [CC, COMMISSION][i % 2]
            for i in range(len(parts))
        ]
        postings = [debit(GR, total), *(credit(ref, part) for ref, part in zip(refs, parts, strict=True))]
        expected[GR] += total
        for ref, part in zip(refs, parts, strict=True):
            expected[ref] -= part
        batch.append(NewEntry(f"prop:{run}:{n}", JournalEntry.Kind.ADJUSTMENT, "t", postings))
    before = {ref: account_balance(account=account) if (account := _account(ref)) else 0 for ref in expected}
    posted = entries_post(batch)
    assert entries_post(batch) == posted  # posting the batch again writes nothing
    assert len({e.pk for e in posted}) == len(batch)
    for ref, change in expected.items():
        account = _account(ref)
        assert account is not None and account_balance(account=account) - before[ref] == change
    assert unbalanced_entry_ids() == []


def _account(ref: AccountRef) -> Account | None:
    return Account.objects.filter(kind=ref.kind, currency=ref.currency, seller_id=ref.seller_id).first()


def _expected(available: int, debt: int, sales: int, reserve_bp: int) -> tuple[int, int, int, int] | None:
    """What a payout pays, computed the way docs/payouts.md says: (amount, reserve, netted, debt left)."""
    reserve = min(max(available, 0), (sales * reserve_bp + 5000) // 10000)
    releasable = available - reserve
    if releasable <= 0:
        return None
    netted = min(debt, releasable)
    return releasable - netted, reserve, netted, debt - netted


def _seller_with(available: int, debt: int, sales: int) -> int:
    seller = make_seller().pk
    n = next(counter)
    own = {kind: AccountRef(kind, "EUR", seller) for kind in (PAYABLE, AVAILABLE, DEBT)}
    posts = [
        (JournalEntry.Kind.ALLOCATION, [debit(GR, sales), credit(own[PAYABLE], sales)]),
        (JournalEntry.Kind.AVAILABILITY, [debit(GR, available), credit(own[AVAILABLE], available)]),
        (JournalEntry.Kind.ADJUSTMENT, [debit(own[DEBT], debt), credit(GR, debt)]),
    ]
    entries_post(
        [
            NewEntry(f"setup:{n}:{i}", kind, "t", postings)
            for i, (kind, postings) in enumerate(posts)
            if postings[0].debit_minor
        ]
    )
    return seller


@settings(max_examples=20, deadline=None, database=None)
@given(
    sellers=st.lists(
        st.tuples(st.integers(0, 50_000), st.integers(0, 30_000), st.integers(0, 80_000)),
        min_size=1,
        max_size=7,
    ),
    batch=st.integers(1, 4),
    reserve_bp=st.sampled_from([0, 1000, 2500]),
)
def test_paying_sellers_in_batches_pays_each_what_the_rules_say_once(sellers, batch, reserve_bp):
    ids = [_seller_with(*figures) for figures in sellers]
    run = PayoutRun.objects.create(
        run_date=date(2001, 1, 1) + timezone.timedelta(days=next(counter)), as_of=timezone.now()
    )
    with override_settings(GALERIE_PAYOUT_RESERVE_BP=reserve_bp, GALERIE_PAYOUT_RESERVE_DAYS=30):
        paid: dict[int, Payout] = {}
        for start in range(0, len(ids), batch):
            paid.update(sellers_payout_post(run=run, seller_ids=ids[start : start + batch]))
        entries = JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT).count()
        # Again, in one batch and in reverse: the same payouts, nothing posted.
        again = sellers_payout_post(run=run, seller_ids=list(reversed(ids)))
    assert {s: p.pk for s, p in again.items()} == {s: p.pk for s, p in paid.items()}
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT).count() == entries
    for seller, (available, debt, sales) in zip(ids, sellers, strict=True):
        expected = _expected(available, debt, sales, reserve_bp)
        payout = paid.get(seller)
        if expected is None:
            assert payout is None
            continue
        assert payout is not None
        got = (payout.amount_minor, payout.reserve_minor, payout.debt_netted_minor, payout.debt_left_minor)
        assert got == expected
        position = seller_position(seller_id=seller, currency="EUR")
        assert (position["available"], position["debt"], position["paid"]) == (
            expected[1],
            expected[3],
            expected[0],
        )
    transit = JournalLine.objects.filter(entry__payout__run=run, account__kind=TRANSIT).aggregate(
        s=Sum("credit_minor")
    )
    assert (transit["s"] or 0) == sum(p.amount_minor for p in paid.values())
    payouts = list(Payout.objects.filter(run=run).select_related("entry"))
    together = statements_rows(payouts=payouts)
    for payout in payouts:
        assert together[payout.pk] == statement_rows(payout=payout)
        assert sum(row["net"] for row in together[payout.pk]) == 0
    assert unbalanced_entry_ids() == []


def test_a_run_in_small_batches_pays_the_same_as_one_batch(settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path
    settings.GALERIE_PAYOUT_RESERVE_BP = 1000
    sellers = [make_seller() for _ in range(5)]
    for n, seller in enumerate(sellers):
        fund(seller.pk, 1000 * (n + 1) + 7)
    day = timezone.localdate()  # today: the sales are in the reserve's window
    small = payouts_run(run_date=day, batch_size=2)
    assert (small.paid_now, small.payouts) == (5, 5)
    amounts = dict(Payout.objects.filter(run=small.run).values_list("seller_id", "amount_minor"))
    assert amounts == {
        s.pk: (1000 * (n + 1) + 7) - ((1000 * (n + 1) + 7) * 1000 + 5000) // 10000
        for n, s in enumerate(sellers)
    }
    assert len(list(tmp_path.glob("*/statement-*.csv"))) == 5
    assert payouts_run(run_date=day, batch_size=1).already_completed
