"""Ledger figures for docs/payouts.md: a payout run for 2,000 sellers, and posting throughput.

Runs in a child process on a throwaway PostgreSQL database (`galerie bench --ledger` creates it,
migrates it, and drops it afterwards). Prints and writes the figures; asserts nothing.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from galerie.ledger.models import Account, AccountKind, JournalEntry, JournalLine
from galerie.ledger.payouts import payouts_run
from galerie.ledger.services import AccountRef, NewEntry, credit, debit, entries_post, entry_post
from galerie.sellers.models import Seller

DAY = date(2030, 2, 1)
IDENTITY = {
    "legal_name": "Bench SARL", "email": "bench@example.test", "phone": "+33142685300",
    "address_line1": "1 rue du Banc", "postal_code": "75011", "city": "Paris", "country": "FR",
    "id_document_reference": "Passport 00AA00000", "iban": "FR7630006000011234567890189",
    "trade_register_number": "732829320", "vat_number": "FR44732829320",
}  # fmt: skip


def figures(out: Path) -> dict:

    settings.GALERIE_PAYOUT_DIR = out / "payouts"
    n, now = 2000, timezone.now()
    sellers = Seller.objects.bulk_create(
        Seller(
            **IDENTITY,
            kind="trader",
            display_name=f"Bench {i}",
            slug=f"bench-{i}",
            compliance_certified_at=now,
        )
        for i in range(n)
    )
    accounts = Account.objects.bulk_create(
        Account(kind=AccountKind.SELLER_AVAILABLE, currency="EUR", seller=s) for s in sellers
    )
    gateway = Account.objects.create(kind=AccountKind.GATEWAY_RECEIVABLE, currency="EUR")
    entry = JournalEntry.objects.create(idempotency_key="bench-funds", kind="adjustment", description="bench")
    JournalLine.objects.bulk_create(
        [JournalLine(entry=entry, account=gateway, debit_minor=n * 10_000, currency="EUR")]
        + [JournalLine(entry=entry, account=a, credit_minor=10_000, currency="EUR") for a in accounts]
    )
    started = time.perf_counter()
    # An explicit "now" on DAY: a payout run refuses a day after the real today.
    result = payouts_run(run_date=DAY, now=timezone.make_aware(datetime.combine(DAY, datetime.min.time())))
    run_seconds = time.perf_counter() - started
    assert result.payouts == n
    entries = 2000

    def postings(i: int) -> list:
        return [
            debit(AccountRef(AccountKind.GATEWAY_RECEIVABLE, "EUR"), 100 + i),
            credit(AccountRef(AccountKind.SELLER_PAYABLE, "EUR", sellers[i % n].pk), 60 + i),
            credit(AccountRef(AccountKind.COMMISSION_REVENUE, "EUR"), 40),
        ]

    started = time.perf_counter()
    for i in range(entries):
        entry_post(
            idempotency_key=f"bench-post:{i}", kind="adjustment", description="bench", postings=postings(i)
        )
    post_seconds = time.perf_counter() - started
    # The same entries, 500 per transaction (entries_post: what a payout run or a batch job does).
    started = time.perf_counter()
    for start in range(0, entries, 500):
        entries_post(
            [
                NewEntry(f"bench-batch:{i}", "adjustment", "bench", postings(i))
                for i in range(start, min(start + 500, entries))
            ]
        )
    batch_seconds = time.perf_counter() - started
    result = {
        "sellers": n,
        "payout_run_s": round(run_seconds, 2),
        "sellers_per_s": round(n / run_seconds),
        "entries": entries,
        "posting_entries_per_s": round(entries / post_seconds),
        "batch_posting_entries_per_s": round(entries / batch_seconds),
    }
    print(
        f"payout run for {n:,} sellers: {run_seconds:.1f} s ({n / run_seconds:.0f} sellers/s); "
        f"ledger posting: {entries / post_seconds:.0f} entries/s (3 lines, one transaction each), "
        f"{entries / batch_seconds:.0f} entries/s (500 per transaction)"
    )
    return result
