# ruff: noqa: E501  (the bulk rows read best with one row of fields a line)
"""The storefronts' profit and loss page at scale (docs/portfolio-pnl.md, Figures).

    DATABASE_URL=postgres://…/pnl_large python -m bench.pnl generate --per-month 3000
    DATABASE_URL=postgres://…/pnl_large python -m bench.pnl measure --runs 7

``generate`` adds, on a seeded database (``galerie seed --scale large``), ``--per-month`` paid
orders per storefront and month over the 12 months before this one, each with one to three
seller orders of admitted sellers, its payment (captured, with the test gateway's default fee)
and its journal entries — capture, gateway fee, allocation, and for one order in twenty a
refund of one seller order — posted through ``ledger.services.entries_post`` (the balance checks
and database guards of every posting) with the same lines ``ledger.postings`` writes, dated in
their month. Orders, seller orders and payments are bulk-inserted: the checkout's path costs
about 30 ms an order, 3 hours for a million; what the report reads is the same rows.

``measure`` times ``storefront_pnl`` and the page (``/back-office/money/storefronts/``, rendered
through the test client) over the last 12 months: median of ``--runs`` runs, and the number of
queries; it writes ``bench/results/<time>-pnl.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock

import django

RESULTS = Path(__file__).resolve().parent / "results"


def _months_back(n: int) -> list[date]:
    today = date.today().replace(day=1)
    months = []
    for i in range(n, 0, -1):
        y, m = divmod(today.year * 12 + today.month - 1 - i, 12)
        months.append(date(y, m + 1, 1))
    return months


def generate(per_month: int, months: int, seed: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from galerie.accounts.models import User
    from galerie.ledger.models import AccountKind, JournalEntry
    from galerie.ledger.services import AccountRef, NewEntry, credit, debit, entries_post
    from galerie.orders.models import Order, SellerOrder
    from galerie.payments.models import Payment
    from galerie.payments.testgateway.fees import DEFAULT_FEE, fee_parse
    from galerie.sellers.models import SellerAdmission
    from galerie.storefronts.models import Storefront

    rng = random.Random(seed)
    fees = fee_parse(DEFAULT_FEE)
    gr, cc = AccountKind.GATEWAY_RECEIVABLE, AccountKind.CUSTOMER_CLEARING
    fee_kind, payable = AccountKind.PAYMENT_FEES, AccountKind.SELLER_PAYABLE
    commission, vat = AccountKind.COMMISSION_REVENUE, AccountKind.COMMISSION_VAT
    password = make_password(None)
    n_customers = max(1000, per_month * 4)
    start = User.objects.count()
    User.objects.bulk_create(
        (User(email=f"pnl-bench-{start + i}@example.test", password=password) for i in range(n_customers)),
        batch_size=5000,
    )
    customers = list(User.objects.filter(email__startswith="pnl-bench-").values_list("pk", flat=True))
    storefronts = list(Storefront.objects.order_by("pk"))
    sellers = {
        s.pk: list(
            SellerAdmission.objects.filter(storefront=s, status="admitted").values_list(
                "seller_id", flat=True
            )
        )
        for s in storefronts
    }
    started = time.perf_counter()
    orders_made = lines_made = 0
    for month in _months_back(months):
        for storefront in storefronts:
            moment = timezone.make_aware(
                datetime.combine(month + timedelta(days=rng.randint(0, 27)), datetime.min.time())
            )
            moment += timedelta(hours=12)
            with mock.patch("django.utils.timezone.now", new=lambda m=moment: m), transaction.atomic():
                tag = f"{storefront.pk}-{month:%Y%m}-{rng.getrandbits(32):08x}"
                shapes = []
                for _ in range(per_month):
                    chosen = rng.sample(sellers[storefront.pk], rng.choice((1, 1, 1, 2, 3)))
                    parts = [(seller, rng.randint(900, 15_000), rng.choice((0, 490))) for seller in chosen]
                    shapes.append(parts)
                payments = Payment.objects.bulk_create(
                    Payment(
                        gateway="test", idempotency_key=f"pnl-{tag}-{i}", amount_minor=sum(p[1] + p[2] for p in parts),
                        currency=storefront.currency, status="captured",
                        captured_minor=sum(p[1] + p[2] for p in parts),
                        fee_minor=fees.fee_minor(sum(p[1] + p[2] for p in parts), storefront.currency),
                    )
                    for i, parts in enumerate(shapes)
                )  # fmt: skip
                orders = Order.objects.bulk_create(
                    Order(
                        number=f"B{payment.pk}", storefront=storefront, customer_id=rng.choice(customers),
                        language="fr", status="placed", ship_name="Bench", ship_line1="1 rue", ship_postal_code="75011",
                        ship_city="Paris", ship_country="FR", currency=storefront.currency,
                        items_minor=sum(p[1] for p in parts), shipping_minor=sum(p[2] for p in parts),
                        total_minor=sum(p[1] + p[2] for p in parts), vat_minor=0, payment=payment,
                    )
                    for i, (parts, payment) in enumerate(zip(shapes, payments, strict=True))
                )  # fmt: skip
                seller_orders = SellerOrder.objects.bulk_create(
                    SellerOrder(
                        order=order, seller_id=seller, number=f"B{order.payment_id}-{j}", status="delivered",
                        items_minor=items, shipping_minor=ship, total_minor=items + ship, vat_minor=0,
                        delivery_days_min=2, delivery_days_max=5,
                    )
                    for i, (parts, order) in enumerate(zip(shapes, orders, strict=True))
                    for j, (seller, items, ship) in enumerate(parts)
                )  # fmt: skip
                by_order: dict[int, list[SellerOrder]] = {}
                for part in seller_orders:
                    by_order.setdefault(part.order_id, []).append(part)
                entries: list[NewEntry] = []
                for order, payment in zip(orders, payments, strict=True):
                    c, about = order.currency, {"payment_id": payment.pk}
                    entries.append(NewEntry(f"capture:{payment.pk}", JournalEntry.Kind.CAPTURE, "bench", [
                        debit(AccountRef(gr, c), payment.captured_minor, **about),
                        credit(AccountRef(cc, c), payment.captured_minor, **about),
                    ]))  # fmt: skip
                    entries.append(NewEntry(f"payment-fee:{payment.pk}", JournalEntry.Kind.PAYMENT_FEE, "bench", [
                        debit(AccountRef(fee_kind, c), payment.fee_minor, **about),
                        credit(AccountRef(gr, c), payment.fee_minor, **about),
                    ]))  # fmt: skip
                    postings = [debit(AccountRef(cc, c), order.total_minor, **about)]
                    split = []
                    for part in by_order[order.pk]:
                        com = part.items_minor * 12 // 100
                        tax = com * 20 // 100
                        split.append((part, com, tax))
                        on = {**about, "seller_order_id": part.pk}
                        postings += [
                            credit(
                                AccountRef(payable, c, part.seller_id), part.total_minor - com - tax, **on
                            ),
                            credit(AccountRef(commission, c), com, **on),
                            credit(AccountRef(vat, c), tax, **on),
                        ]
                    entries.append(
                        NewEntry(f"allocation:{order.pk}", JournalEntry.Kind.ALLOCATION, "bench", postings)
                    )
                    if rng.random() < 0.05:
                        part, com, tax = split[0]
                        on = {**about, "seller_order_id": part.pk}
                        entries.append(NewEntry(f"refund:bench-{payment.pk}", JournalEntry.Kind.REFUND, "bench", [
                            credit(AccountRef(gr, c), part.total_minor, **about),
                            debit(AccountRef(payable, c, part.seller_id), part.total_minor - com - tax, **on),
                            debit(AccountRef(commission, c), com, **on),
                            debit(AccountRef(vat, c), tax, **on),
                        ]))  # fmt: skip
                for i in range(0, len(entries), 2000):
                    entries_post(entries[i : i + 2000])
                orders_made += len(orders)
                lines_made += sum(len(e.postings) for e in entries)
        print(
            f"{month:%Y-%m}: {orders_made} orders, {lines_made} lines, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return {"orders": orders_made, "lines": lines_made, "seconds": round(time.perf_counter() - started, 1)}


def measure(runs: int, months: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from galerie.accounts.models import User
    from galerie.ledger.models import JournalLine
    from galerie.ledger.pnl import storefront_pnl
    from galerie.ledger.reports import Period
    from galerie.orders.models import Order

    call_command("collectstatic", interactive=False, verbosity=0)  # the page's static tags (DEBUG off)
    first, today = _months_back(months)[0], date.today()
    period = Period(first, today)
    report_times, page_times = [], []
    with CaptureQueriesContext(connection) as queries:
        storefront_pnl(period)
    report_queries = len(queries)
    for _ in range(runs):
        t = time.perf_counter()
        storefront_pnl(period)
        report_times.append(time.perf_counter() - t)
    staff, _created = User.objects.get_or_create(
        email="pnl-bench-staff@example.test", defaults={"is_staff": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(staff)
    url = f"/back-office/money/storefronts/?start={first.isoformat()}&end={today.isoformat()}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    page_queries = len(queries)
    for _ in range(runs):
        t = time.perf_counter()
        client.get(url)
        page_times.append(time.perf_counter() - t)
    reset_queries()
    return {
        "database": connection.settings_dict["NAME"],
        "period": [first.isoformat(), today.isoformat()],
        "orders": Order.objects.count(),
        "journal_lines": JournalLine.objects.count(),
        "runs": runs,
        "report_median_s": round(statistics.median(report_times), 3),
        "report_min_s": round(min(report_times), 3),
        "report_queries": report_queries,
        "page_median_s": round(statistics.median(page_times), 3),
        "page_min_s": round(min(page_times), 3),
        "page_queries": page_queries,
        "page_bytes": len(response.content),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("generate", "measure", "both"))
    parser.add_argument("--per-month", type=int, default=3000, help="Orders per storefront and month.")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
    django.setup()
    out: dict = {"when": datetime.now().isoformat(timespec="seconds")}
    if args.action in ("generate", "both"):
        out["generate"] = generate(args.per_month, args.months, args.seed)
    if args.action in ("measure", "both"):
        out["measure"] = measure(args.runs, args.months)
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{datetime.now():%Y%m%dT%H%M%S}-pnl.json"
        path.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {path}")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
