"""The storefront API's product read against the floor, on a seeded database, reading only.

    python -m bench.api_read --database-url postgres://…/galerie_large [--rounds 5 --duration 10]

``galerie bench`` measures ``api_product`` with the other scenarios, but it prepares its database
(bench customers, sessions, stock for the checkout). This runner writes nothing: it picks the
products (the same ones as the product page scenario, ``bench/prepare.py``), serves Galerie as
``galerie bench`` does (GALERIE_BENCH=true, rate limits off), warms up, then runs rounds of
floor → product page → API product read → floor, each with wrk over the same Zipf popularity,
and reports the median req/s of each and its ratio to the median floor of the same run, with
the queries per request (``X-Galerie-Queries``). Set ``GALERIE_CACHE_BYPASS=1`` to measure with
every result cache missing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import zipf
from bench.run import BENCH_DIR, _ensure_wrk, _serve, _settle, _stop, _wrk, server_env

REPOSITORY = BENCH_DIR.parent
ROUND = ["floor", "product", "api_product"]


def pick(out: Path) -> None:
    """(child process, Django set up) Write the plan: the floor, the pages and the API reads."""
    from bench.prepare import api_product_path, product_requests
    from galerie.storefronts.models import Storefront

    storefronts = list(Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("code"))
    if not storefronts:
        raise SystemExit("The database holds no open storefront: seed it first.")
    main = next((s for s in storefronts if s.code == "pageplume"), storefronts[0])
    picked = product_requests(storefronts)
    order = zipf.ranked(range(len(picked)), ranking="product")
    picked = [picked[i] for i in order]
    plan = {
        "floor": [f"GET /bench/floor/{main.pk}/"],
        "product": [f"GET /s/{code}/p/{slug}/" for code, slug, _offer in picked],
        "api_product": [f"GET {api_product_path(code, slug)}" for code, slug, _offer in picked],
    }
    out.write_text(json.dumps(plan))


def main(*, database_url: str, port: int, duration: float, connections: int, rounds: int) -> dict:
    _ensure_wrk()
    var = Path(tempfile.mkdtemp(prefix="galerie-bench-api-"))
    env = {
        **server_env(database_url, var),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH", "")])),
    }
    plan_file = var / "plan.json"
    subprocess.run([sys.executable, "-m", "bench.api_read", "--pick", str(plan_file)], env=env, check=True)
    plan = json.loads(plan_file.read_text())
    files = {}
    for name in ROUND:
        files[name] = var / f"{name}.txt"
        files[name].write_text("\n".join(zipf.table(plan[name])) + "\n")
    workers = 2 * (os.cpu_count() or 1)
    server = _serve(env, port, workers)
    runs: dict[str, list[dict]] = {name: [] for name in ROUND}
    try:
        for name in ROUND:  # warm up: connections, caches, the first hits of each product
            _wrk(port, files[name], seconds=3, connections=connections, cookie="")
        for n in range(rounds):
            for name in ROUND:
                _settle(server.pid)
                figures = _wrk(port, files[name], seconds=duration, connections=connections, cookie="")
                runs[name].append(figures)
                rps = figures["requests"] / (figures["duration_us"] / 1e6)
                print(f"round {n + 1}: {name:<12} {rps:8.1f} req/s", flush=True)
    finally:
        _stop(server)
    summary: dict = {}
    for name, figures in runs.items():
        rates = [f["requests"] / (f["duration_us"] / 1e6) for f in figures]
        counted = sum(f["counted"] for f in figures)
        summary[name] = {
            "rps_median": round(statistics.median(rates), 1),
            "rps_runs": [round(r, 1) for r in rates],
            "p95_ms_median": round(statistics.median(f["latency_us"]["p95"] for f in figures) / 1000, 1),
            "errors": sum(f["errors"]["http_4xx_5xx"] + f["errors"]["timeout"] for f in figures),
            "queries_per_request": round(sum(f["queries"] for f in figures) / counted, 2)
            if counted
            else None,
        }
    floor = summary["floor"]["rps_median"]
    for name in ROUND:
        summary[name]["ratio_to_floor"] = round(summary[name]["rps_median"] / floor, 3) if floor else None
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database_url.rsplit("/", 1)[-1],
        "cache_bypass": os.environ.get("GALERIE_CACHE_BYPASS", "") == "1",
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory",
        "rounds": rounds,
        "duration_s": duration,
        "connections": connections,
        "server": f"gunicorn, {workers} workers × 2 threads (gthread)",
        "products": len(plan["product"]),
        "scenarios": summary,
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = BENCH_DIR / "results" / f"{stamp}-api-product.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    for name in ROUND:
        row = summary[name]
        print(
            f"{name:<12} median {row['rps_median']:8.1f} req/s  ratio to floor {row['ratio_to_floor']:.3f}  "
            f"p95 {row['p95_ms_median']} ms  queries/req {row['queries_per_request']}  errors {row['errors']}"
        )
    print(f"results: {path}")
    return result


def _cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--duration", type=float, default=10, help="Seconds of load per scenario and round.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--pick", metavar="FILE", help="(internal) write the plan, in a Django child process."
    )
    args = parser.parse_args()
    if args.pick:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
        django.setup()
        pick(Path(args.pick))
        return
    if not args.database_url.startswith("postgres"):
        raise SystemExit("Pass --database-url postgres://… (a seeded database; it is only read).")
    started = time.monotonic()
    main(
        database_url=args.database_url,
        port=args.port,
        duration=args.duration,
        connections=args.connections,
        rounds=args.rounds,
    )
    print(f"{time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    _cli()
