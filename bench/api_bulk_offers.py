"""The seller API's bulk update of offers: 10,000 offers per call, timed through the whole stack.

``python -m bench.api_bulk_offers [--database-url postgres://…/galerie_bench_api_bulk] [--offers 10000]
[--calls 5]`` creates (or empties) the database, migrates it, then in a child process seeds a
seller with ``--offers`` offers (half updated by offer id, half by SKU in each call) and sends
``POST /api/v1/seller/offers/bulk`` with a seller key through Django's test client (middleware,
authentication, throttles, JSON parsing and validation, the service, the response: no network),
``--calls`` times, each call changing every price and stock; it also times the service alone on
the same rows. Prints the figures and writes them to ``bench/results/<stamp>-api-bulk-offers.json``.

``--existing`` runs on a database as it is (the large seed, ``galerie_large``: 1,000,000 offers)
without changing it: the seller with the most offers is taken, and everything, its key too, runs
inside one transaction that is rolled back at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCH_DIR.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/galerie_bench_api_bulk"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("GALERIE_BENCH_API_BULK_URL", DEFAULT_URL))
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--existing", action="store_true", help="use the database as it is; change nothing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(figures(offers=args.offers, calls=args.calls, existing=args.existing)))
        return
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this bench runs on PostgreSQL: pass --database-url postgres://…")
    var = Path(tempfile.mkdtemp(prefix="galerie-bench-api-bulk-"))
    paths = os.pathsep.join([str(REPOSITORY), str(REPOSITORY / "src"), os.environ.get("PYTHONPATH", "")])
    env = {
        **os.environ, "DATABASE_URL": args.database_url, "GALERIE_VAR_DIR": str(var), "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "galerie.settings", "API_RATES": "key=,account=,ip=",
        # This checkout's code (its src/), before any installed copy of Galerie.
        "PYTHONPATH": paths,
    }  # fmt: skip
    if not args.existing:
        from bench.imports import _recreate

        _recreate(args.database_url)
        subprocess.run([sys.executable, "-m", "galerie.cli", "migrate", "-v", "0"], env=env, check=True)
    child = [sys.executable, "-m", "bench.api_bulk_offers", "--child", "--offers", str(args.offers)]
    child += ["--calls", str(args.calls), *(["--existing"] if args.existing else [])]
    out = subprocess.run(child, env=env, check=True, text=True, capture_output=True, cwd=REPOSITORY).stdout
    result = json.loads(out.strip().splitlines()[-1])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = BENCH_DIR / "results" / f"{stamp}-api-bulk-offers.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    api, service = result["api"], result["service"]
    print(
        f"{result['rows']:,} offers per call on {result['database']}"
        f" ({result['seller_offers']:,} offers of the seller): API call median {api['median_s']} s"
        f" ({api['rows_per_s']:,} rows/s; min {api['min_s']}, max {api['max_s']} over {len(api['calls_s'])}"
        f" calls; Python CPU {api['python_cpu_median_s']} s), the service alone {service['median_s']} s;"
        f" load average {result['load_average'][0]}; request {result['request_kb']} kB,"
        f" report {result['response_kb']} kB — {path.relative_to(REPOSITORY)}"
    )


# --- in the child, against the bench database ---------------------------------------------------


def _seed(offers: int):
    from bench.imports import _catalog, _seller
    from galerie.offers.models import Offer

    variants, seller = _catalog(offers), _seller()
    Offer.objects.bulk_create(
        (
            Offer(seller=seller, variant=v, seller_sku=f"SKU{i:07d}", price_minor=1000, stock=1)
            for i, v in enumerate(variants)
        ),
        batch_size=10_000,
    )
    return seller


def _largest_seller():
    from django.db.models import Count

    from galerie.offers.models import Offer
    from galerie.sellers.models import Seller

    top = (
        Offer.objects.exclude(status=Offer.Status.CLOSED)
        .values("seller_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top is None:
        raise SystemExit("this database has no offers: run without --existing")
    return Seller.objects.get(pk=top["seller_id"])


def _rows(targets: list[tuple[int, str, str]], call: int) -> list[dict]:
    """Every offer's price and stock changed (by id for even rows, by SKU for odd ones with one)."""
    rows = []
    for i, (offer_id, sku, currency) in enumerate(targets):
        row: dict = {"sku": sku} if i % 2 and sku else {"offer_id": offer_id}
        row["price"] = {"amount": 1000 + (call + 1) * 10 + i % 7, "currency": currency}
        row["stock"] = (call + i) % 40
        rows.append(row)
    return rows


def figures(*, offers: int, calls: int, existing: bool) -> dict:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from galerie.accounts.models import User
    from galerie.offers.imports.bulk import BulkRow, offers_bulk_update
    from galerie.offers.models import Offer
    from galerie.sellers.models import SellerMember
    from galerie.sellers.services import seller_member_add
    from galerie.sellers.services.tokens import seller_api_token_create

    class Rollback(Exception):
        pass

    result: dict = {}
    # A lent database: one transaction around everything, rolled back. Our own: each call commits.
    try:
        with transaction.atomic() if existing else contextlib.nullcontext():
            started = time.perf_counter()
            seller = _largest_seller() if existing else _seed(offers)
            owner = User.objects.create_user(email=f"bench-{time.time_ns()}@example.test", password=None)
            seller_member_add(seller=seller, user=owner, role=SellerMember.Role.OWNER)
            _token, key = seller_api_token_create(seller_id=seller.pk, name="bench", role="owner", by=owner)
            mine = Offer.objects.filter(seller=seller).exclude(status=Offer.Status.CLOSED)
            targets = list(mine.order_by("id").values_list("id", "seller_sku", "currency")[:offers])
            setup_s = time.perf_counter() - started
            client = Client(HTTP_HOST="localhost")  # an allowed host: the operator's site
            timings, cpu, sizes = [], [], (0, 0)
            for call in range(calls):
                body = json.dumps({"rows": _rows(targets, call)})
                began, began_cpu = time.perf_counter(), time.process_time()
                response = client.post(
                    "/api/v1/seller/offers/bulk",
                    body,
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {key}"},
                )
                timings.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
                if not response.get("Content-Type", "").startswith("application/json"):
                    raise SystemExit(f"call {call}: {response.status_code} {response.content[:300]!r}")
                report = response.json()
                if response.status_code != 200 or report["updated"] != len(targets):
                    raise SystemExit(f"call {call}: {response.status_code} {str(report)[:300]}")
                sizes = (len(body), len(response.content))
            service = []
            for call in range(calls, calls + 3):
                rows = [
                    BulkRow(
                        offer_id=r.get("offer_id"), sku=r.get("sku"), price_minor=r["price"]["amount"],
                        currency=r["price"]["currency"], stock=r["stock"],
                    )
                    for r in _rows(targets, call)
                ]  # fmt: skip
                began = time.perf_counter()
                done = offers_bulk_update(seller=seller, by=owner, rows=rows)
                service.append(time.perf_counter() - began)
                assert done.updated == len(targets), done
            with connection.cursor() as cursor:
                cursor.execute("SELECT version()")
                version = cursor.fetchone()[0].split(" on ")[0]
            median = statistics.median(timings)
            result = {
                "rows": len(targets),
                "seller_offers": Offer.objects.filter(seller=seller).count(),
                "existing_database": existing,
                "database": version,
                "cpus": os.cpu_count(),
                "setup_s": round(setup_s, 1),
                "request_kb": round(sizes[0] / 1024),
                "response_kb": round(sizes[1] / 1024, 1),
                "api": {
                    "calls_s": [round(t, 3) for t in timings],
                    "median_s": round(median, 3),
                    "min_s": round(min(timings), 3),
                    "max_s": round(max(timings), 3),
                    "rows_per_s": round(len(targets) / median),
                    "python_cpu_median_s": round(
                        statistics.median(cpu), 3
                    ),  # this process; not the database's
                },
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "service": {
                    "calls_s": [round(t, 3) for t in service],
                    "median_s": round(statistics.median(service), 3),
                },
            }
            if existing:
                raise Rollback  # nothing of the run stays in a database we were lent
    except Rollback:
        pass
    return result


if __name__ == "__main__":
    main()
