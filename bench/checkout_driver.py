"""The checkout scenario: signed-in customers buy from two sellers, as a browser would.

Each virtual customer (a thread with its own keep-alive connection and session) adds an offer
of each seller to its cart, opens the checkout page, reads its hidden fields (the idempotency key
and the quote the page showed, which the checkout refuses to charge without) and pays with the
success test card. wrk cannot carry this conversation, so it is driven here; the figure is the
latency of the POST that places the order, and checkouts per second.

Alone (the checkout only, a few numbers of customers, no wrk; docs/performance.md):
``python -m bench.checkout_driver --database-url postgres://…/galerie_bench_demo --port 8099
--duration 15 --customers 4 16``.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HIDDEN = re.compile(
    rb'<input type="hidden" name="(idempotency_key|quote_fingerprint|quote_shown)" value="([^"]*)"'
)
CARD = {
    "name": "Bench Customer", "line1": "1 rue du Banc", "postal_code": "75011", "city": "Paris",
    "country": "FR", "number": "4242424242424242", "expiry": "12/35", "cvc": "123", "holder": "Bench",
}  # fmt: skip


def _customer(port: int, plan: dict, cookie: str, until: float, out: dict, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    prefix = f"/s/{plan['storefront']}"
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": "http://127.0.0.1/",
    }
    latencies, queries, errors, done = [], 0, 0, 0

    def call(method: str, path: str, body: dict | None = None) -> http.client.HTTPResponse:
        nonlocal queries
        conn.request(method, path, urlencode(body) if body else None, headers)
        response = conn.getresponse()
        response.body = response.read()
        queries += int(response.getheader("X-Galerie-Queries", "0"))
        return response

    while time.monotonic() < until:
        try:
            for offer in plan["offers"]:
                call(
                    "POST",
                    f"{prefix}/cart/add/",
                    {"offer": offer, "quantity": 1, "csrfmiddlewaretoken": plan["csrf"]},
                )
            page = call("GET", f"{prefix}/checkout/")
            fields = HIDDEN.findall(page.body)
            shown = {name.decode(): html.unescape(value.decode()) for name, value in fields}
            if "idempotency_key" not in shown:
                errors += 1
                continue
            started = time.perf_counter()
            response = call(
                "POST", f"{prefix}/checkout/", {**CARD, **shown, "csrfmiddlewaretoken": plan["csrf"]}
            )
            latencies.append((time.perf_counter() - started) * 1e6)
            if response.status == 302 and b"/placed/" in (response.getheader("Location") or "").encode():
                done += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    with lock:
        out["latencies"].extend(latencies)
        out["queries"] += queries
        out["requests"] += done * 4
        out["checkouts"] += done
        out["errors"] += errors


def run(port: int, plan: dict, *, customers: int, seconds: float) -> dict:
    out = {"latencies": [], "queries": 0, "requests": 0, "checkouts": 0, "errors": 0}
    lock = threading.Lock()
    until = time.monotonic() + seconds
    started = time.monotonic()
    threads = [
        threading.Thread(target=_customer, args=(port, plan, cookie, until, out, lock))
        for cookie in plan["cookies"][:customers]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["duration_s"] = time.monotonic() - started
    return out


def main(argv: list[str] | None = None) -> None:
    """Serve the bench database as ``galerie bench`` does and drive the checkout alone with each
    number of customers; print orders/s, latency, queries and server CPU per order, then the
    invariants."""
    from bench.run import _cpu_sample, _database, _galerie, _wait_healthy

    parser = argparse.ArgumentParser(prog="python -m bench.checkout_driver")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/galerie_bench_demo")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--customers", type=int, nargs="+", default=[4])
    args = parser.parse_args(argv)
    var = Path(tempfile.mkdtemp(prefix="galerie-checkout-"))
    env = {
        **os.environ, "DATABASE_URL": args.database_url, "GALERIE_VAR_DIR": str(var), "GALERIE_BENCH": "true",
        "DEBUG": "false", "LOG_LEVEL": "ERROR", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GALERIE_SERVE_MEDIA": "false",
        # one address, many checkouts per customer: no checkout limit; the demo's gateway and IBAN
        "THROTTLE_RATES": "checkout.account=,checkout.ip=,checkout_declined.account=,checkout_declined.ip=",
        "GALERIE_ALLOW_TEST_GATEWAY": "1", "GALERIE_ALLOW_DEMO_IBAN": "1",
    }  # fmt: skip
    _database(args.database_url)
    _galerie("migrate", "--verbosity", "0", env=env)
    count = "from galerie.offers.models import Offer; print(Offer.objects.count())"
    if _galerie("shell", "--no-imports", "-c", count, env=env, capture=True).stdout.split()[-1] == "0":
        _galerie("seed", "--scale", "demo", env=env)
    _galerie("bench", "--prepare", str(var / "plan.json"), env=env)
    plan = json.loads((var / "plan.json").read_text())["checkout"]
    workers = 2 * (os.cpu_count() or 1)
    server = subprocess.Popen(
        [sys.executable, "-m", "galerie.cli", "serve", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(workers), "--threads", "2"],
        env=env, start_new_session=True,
    )  # fmt: skip
    ticks_per_ms = os.sysconf("SC_CLK_TCK") / 1000
    try:
        _wait_healthy(args.port, server)
        run(args.port, plan, customers=max(args.customers), seconds=3)  # warm up
        for customers in args.customers:
            before = _cpu_sample(server.pid)
            out = run(args.port, plan, customers=customers, seconds=args.duration)
            after = _cpu_sample(server.pid)
            done = max(out["checkouts"], 1)
            latencies = sorted(out["latencies"]) or [0.0]
            figures = {
                "customers": customers,
                "orders_per_s": round(out["checkouts"] / out["duration_s"], 1),
                "errors": out["errors"],
                "p50_ms": round(latencies[len(latencies) // 2] / 1000, 1),
                "p95_ms": round(latencies[int(len(latencies) * 0.95)] / 1000, 1),
                "queries_per_order": round(out["queries"] / done, 1),  # the four requests of one order
                "server_cpu_ms_per_order": round(
                    (after["server"] - before["server"]) / ticks_per_ms / done, 1
                ),
            }
            print(json.dumps(figures), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print("invariants:", _galerie("bench", "--check", env=env, capture=True).stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
