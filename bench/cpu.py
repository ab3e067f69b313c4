"""Server CPU per page, measured in-process without load.

    DATABASE_URL=postgres://…/galerie_bench_demo REDIS_URL=redis://… python -m bench.cpu [-n 200]

Builds the production WSGI application (DEBUG off, the settings of ``galerie serve``), picks the
pages of a seeded database like ``bench/prepare.py`` does — each open storefront's home, its leaf
categories, its products with their offers — warms every page up, then calls the application
directly (no HTTP server, no load generator) ``-n`` times per page kind, going round the picked
URLs, and times each call with ``time.process_time()``: the CPU this process spent, which
excludes PostgreSQL's and Redis's own work and every wait. It prints the median, p10 and p90
per page kind with the SQL queries per request, and writes ``bench/results/<time>-cpu.json``.

On a machine shared with other work, CPU time is far steadier than wall time, but it still
swings a few percent (caches, frequency scaling): compare medians of runs made one after the
other. ``py-spy record -o profile.svg -- python -m bench.cpu --pages product`` gives the flame
graph of one page kind.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PAGES = ("product", "category", "home")
RESULTS = Path(__file__).resolve().parent / "results"


def _plan(per_kind: int) -> dict[str, list[str]]:
    """Return {page kind: URLs} from the database, like bench/prepare.py (path routing)."""
    from django.db.models import Q

    from galerie.catalog.models import Category
    from galerie.offers.selectors import offers_sellable
    from galerie.storefronts.models import Storefront

    plan: dict[str, list[str]] = {kind: [] for kind in PAGES}
    storefronts = list(Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("code"))
    if not storefronts:
        raise SystemExit("No open storefront: seed the database first (galerie seed --scale demo).")
    for storefront in storefronts:
        prefix = f"/s/{storefront.code}"
        plan["home"].append(f"{prefix}/")
        roots = list(storefront.catalog_scope.all())
        leaves = Category.objects.none()
        for root in roots:
            leaves = leaves | Category.objects.filter(path__startswith=root.path, numchild=0)
        plan["category"] += [f"{prefix}/c/{slug}/" for slug in leaves.values_list("slug", flat=True)]
        in_scope = Q()
        for root in roots:
            in_scope |= Q(variant__product__category__path__startswith=root.path)
        slugs = (
            offers_sellable(storefront)
            .filter(in_scope)
            .order_by("variant__product__slug")
            .values_list("variant__product__slug", flat=True)
            .distinct()[:per_kind]
        )
        plan["product"] += [f"{prefix}/p/{slug}/" for slug in slugs]
    return plan


def _call(app, path: str) -> tuple[int, int]:
    """Call the WSGI application for GET ``path``; return (status, body bytes)."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    body = app(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        getattr(body, "close", lambda: None)()
    return int(status[0].split()[0]), size


def _queries(app, path: str) -> int:
    from django.db import connection

    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        _call(app, path)
    return count


def wsgi_app(database_url: str):
    """The production WSGI application on this seeded PostgreSQL database, DEBUG off, its
    static files collected as `galerie serve` does; called in-process by the CPU benches."""
    if not database_url.startswith("postgres"):
        raise SystemExit("Give a seeded PostgreSQL database: --database-url or DATABASE_URL.")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")

    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    call_command("collectstatic", interactive=False, verbosity=0)
    return app


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=200, help="timed requests per page kind")
    parser.add_argument("--pages", default=",".join(PAGES), help="page kinds, comma separated")
    parser.add_argument("--urls", type=int, default=20, help="products picked per storefront")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds over every URL first")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--no-write", action="store_true", help="print only, write no result file")
    parser.add_argument("--label", default="", help="a note kept in the result file (e.g. the commit)")
    args = parser.parse_args(argv)
    app = wsgi_app(args.database_url)
    plan = _plan(args.urls)
    kinds = [k for k in args.pages.split(",") if k]
    results: dict[str, dict] = {}
    for kind in kinds:
        urls = plan[kind]
        for _ in range(args.warmup):
            for url in urls:
                status, _size = _call(app, url)
                if status != 200:
                    raise SystemExit(f"GET {url} answered {status}")
        samples = []
        for n in range(args.requests):
            url = urls[n % len(urls)]
            start = time.process_time()
            _call(app, url)
            samples.append((time.process_time() - start) * 1000)
        deciles = statistics.quantiles(samples, n=10)
        queries = [_queries(app, url) for url in urls]
        results[kind] = {
            "urls": len(urls),
            "requests": len(samples),
            "cpu_ms_median": round(statistics.median(samples), 3),
            "cpu_ms_p10": round(deciles[0], 3),
            "cpu_ms_p90": round(deciles[-1], 3),
            "queries_mean": round(statistics.mean(queries), 2),
            "queries_max": max(queries),
        }
    print(f"{'page':<10} {'urls':>5} {'n':>5} {'CPU ms p50':>11} {'p10':>7} {'p90':>7} {'queries':>8}")
    for kind, r in results.items():
        print(
            f"{kind:<10} {r['urls']:>5} {r['requests']:>5} {r['cpu_ms_median']:>11.2f}"
            f" {r['cpu_ms_p10']:>7.2f} {r['cpu_ms_p90']:>7.2f} {r['queries_mean']:>8.1f}"
        )
    report = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "code": str(Path(sys.modules["galerie"].__file__).parent),
        "python": sys.version.split()[0],
        "cache": "redis" if os.environ.get("REDIS_URL") else "locmem",
        "pages": results,
    }
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-cpu.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"written {out.relative_to(RESULTS.parent.parent)}")
    return report


if __name__ == "__main__":
    main()
