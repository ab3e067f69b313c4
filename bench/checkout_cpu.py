"""Server CPU and queries per request of the checkout scenario, measured in-process without load.

    DATABASE_URL=postgres://…/galerie_bench_demo REDIS_URL=redis://… python -m bench.checkout_cpu [-n 100]

One signed-in bench customer does what ``bench/checkout_driver.py`` does, ``-n`` times: adds an
offer of each of two sellers to its cart (two POSTs), opens the checkout page (GET) and pays
with the success test card (POST). The production WSGI application is called directly, so
``time.process_time()`` counts this process's CPU only (not PostgreSQL's, not a load
generator's, no waits), per request kind, with its SQL statements (BEGIN, COMMIT and
savepoints included) and its commits. ``--profile out.prof`` writes a cProfile of the timed
rounds (``python -m pstats`` or snakeviz read it). The checkout takes stock of the two offers:
it gives each a large stock first, as ``galerie bench --prepare`` does.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import os
import statistics
import sys
import time
from urllib.parse import urlencode

from bench.checkout_driver import CARD, HIDDEN

KINDS = ("add", "page", "pay")


def _call(app, method: str, path: str, cookie: str, body: dict | None = None) -> tuple[int, dict, bytes]:
    data = urlencode(body).encode() if body else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_COOKIE": cookie,
        "HTTP_REFERER": "http://127.0.0.1/",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    answer: list = []
    chunks = app(environ, lambda s, headers, exc_info=None: answer.append((s, dict(headers))))
    try:
        payload = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    status, headers = answer[0]
    return int(status.split()[0]), headers, payload


class _Counter:
    """Counts the statements a request sends (BEGIN, COMMIT and savepoints included)."""

    def __init__(self, show: bool = False) -> None:
        self.statements = 0
        self.show = show

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        if self.show:
            print("   ", sql[:400])
        return execute(sql, params, many, context)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checkout_cpu", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("-n", "--orders", type=int, default=100, help="timed orders")
    parser.add_argument("--warmup", type=int, default=5, help="untimed orders first")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--profile", default="", help="write a cProfile of the timed orders here")
    parser.add_argument("--sql", action="store_true", help="print the statements of one order")
    parser.add_argument("--profile-kind", default="", choices=["", *KINDS], help="profile this request only")
    args = parser.parse_args(argv)
    from bench.cpu import wsgi_app

    app = wsgi_app(args.database_url)

    from django.db import connection

    from bench.prepare import CHECKOUT_CUSTOMERS, _checkout_offers, _csrf, _session_for
    from galerie.accounts.models import User
    from galerie.core.actors import System
    from galerie.offers.services import offer_stock_set
    from galerie.storefronts.models import Storefront

    storefronts = list(Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("code"))
    main_sf = next((s for s in storefronts if s.code == "pageplume"), storefronts[0])
    offers = _checkout_offers(main_sf)
    for offer in offers:
        if offer.stock < 100_000:
            offer_stock_set(offer_id=offer.pk, stock=1_000_000, by=System("bench"), reason="bench stock")
    user, _ = User.objects.get_or_create(email=f"bench-customer-{CHECKOUT_CUSTOMERS}@bench.galerie.test")
    token = _csrf()
    cookie = f"sessionid={_session_for(user)}; csrftoken={token}"
    prefix = f"/s/{main_sf.code}"
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statements: dict[str, list[int]] = {kind: [] for kind in KINDS}
    profiler = cProfile.Profile(time.process_time) if args.profile else None

    def one_order(timed: bool, show_sql: bool = False) -> None:
        def timed_call(kind: str, method: str, path: str, body: dict | None = None):
            counter = _Counter(show_sql)
            if show_sql:
                print(f"== {kind}: {method} {path}")
            profiled = profiler is not None and timed and args.profile_kind in ("", kind)
            if profiled:
                profiler.enable()
            start = time.process_time()
            with connection.execute_wrapper(counter):
                result = _call(app, method, path, cookie, body)
            spent = (time.process_time() - start) * 1000
            if profiled:
                profiler.disable()
            if timed:
                samples[kind].append(spent)
                statements[kind].append(counter.statements)
            return result

        for offer in offers:
            status, _h, _b = timed_call(
                "add", "POST", f"{prefix}/cart/add/",
                {"offer": offer.uuid.hex, "quantity": 1, "csrfmiddlewaretoken": token},
            )  # fmt: skip
            if status != 302:
                raise SystemExit(f"cart add answered {status}")
        status, _h, page = timed_call("page", "GET", f"{prefix}/checkout/")
        shown = {n.decode(): html.unescape(v.decode()) for n, v in HIDDEN.findall(page)}
        if status != 200 or "idempotency_key" not in shown:
            raise SystemExit(f"checkout page answered {status}")
        status, headers, _b = timed_call(
            "pay", "POST", f"{prefix}/checkout/", {**CARD, **shown, "csrfmiddlewaretoken": token}
        )
        if status != 302 or "/placed/" not in headers.get("Location", ""):
            raise SystemExit(f"checkout answered {status} {headers.get('Location')}")

    for _ in range(args.warmup):
        one_order(False)
    if args.sql:
        one_order(False, show_sql=True)
        return {}
    for _ in range(args.orders):
        one_order(True)
    results = {}
    print(f"{'request':<8} {'n':>5} {'CPU ms p50':>11} {'p10':>7} {'p90':>7} {'statements':>11}")
    for kind in KINDS:
        deciles = statistics.quantiles(samples[kind], n=10)
        results[kind] = {
            "requests": len(samples[kind]),
            "cpu_ms_median": round(statistics.median(samples[kind]), 2),
            "cpu_ms_p10": round(deciles[0], 2),
            "cpu_ms_p90": round(deciles[-1], 2),
            "statements_mean": round(statistics.mean(statements[kind]), 1),
        }
        r = results[kind]
        print(
            f"{kind:<8} {r['requests']:>5} {r['cpu_ms_median']:>11.2f} {r['cpu_ms_p10']:>7.2f}"
            f" {r['cpu_ms_p90']:>7.2f} {r['statements_mean']:>11.1f}"
        )
    per_order = 2 * results["add"]["cpu_ms_median"] + results["page"]["cpu_ms_median"]
    per_order += results["pay"]["cpu_ms_median"]
    print(f"one order (2 add + page + pay): {per_order:.1f} ms of CPU")
    results["capture"] = _captures(user)
    return _finish(results, profiler, args.profile)


def _captures(user) -> dict:
    """Time what the worker does later for each order just placed: the capture (where the code
    has it; before, the paying POST made it itself)."""
    try:
        from galerie.checkout.services import checkout_capture
    except ImportError:
        return {}
    from galerie.orders.models import Order

    samples = []
    for order_id in Order.objects.filter(customer=user, payment__status="authorized").values_list(
        "pk", flat=True
    ):
        start = time.process_time()
        checkout_capture(order_id=order_id)
        samples.append((time.process_time() - start) * 1000)
    if not samples:
        return {}
    print(f"capture, by the worker on order.placed: {statistics.median(samples):.2f} ms of CPU per order")
    return {"requests": len(samples), "cpu_ms_median": round(statistics.median(samples), 2)}


def _finish(results: dict, profiler, path: str) -> dict:
    if profiler is not None:
        profiler.dump_stats(path)
        print(f"profile written to {path}")
    return results


if __name__ == "__main__":
    main()
