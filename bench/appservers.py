"""`galerie bench --servers …` and `galerie bench --nginx`: app servers, and app servers behind nginx.

Both serve the bench database (prepared like `galerie bench`: bench/run.py) and load the floor
view, a leaf category's first page and a product page with wrk (16 connections, each scenario's
requests with their Zipf popularity), caches warm as in production. One run measures every
configuration in turn, round after round (``--rounds``): each configuration is started, warmed up,
loaded scenario by scenario, stopped, then the next, so that a drift of the machine spreads over
all of them; the figures are the medians of the rounds, and each page's ratio is to the floor of
the same configuration (and the same run).

- ``--servers gunicorn-gthread,granian-wsgi,…``: `galerie serve --server <name>` alone, each with
  the same number of workers (2 per core).
- ``--nginx``: nginx (deploy/nginx/galerie.conf, rendered and run by tests/deploy/nginx.py) in
  front of one app server, and in front of two splitting the same processes between them, beside
  the same app server without nginx.

Results: bench/results/<time>-appservers.json or <time>-nginx.json, and a Markdown table printed.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.run import BENCH_DIR, _serve, _settle, _stop, _wrk, prepare_run
from galerie.web.management.commands.serve import DEFAULT_SERVER

SCENARIOS = ["floor", "category", "product"]
WARMUP_S = 2


def _say(text: str) -> None:
    print(text, flush=True)


@contextmanager
def _app(env: dict, port: int, workers: int, server: str) -> Iterator[int]:
    process = _serve(env, port, workers, server, collected=True)
    try:
        yield process.pid
    finally:
        _stop(process)


def _nginx_module():
    repository = BENCH_DIR.parent
    if str(repository) not in sys.path:
        sys.path.insert(0, str(repository))
    from tests.deploy import nginx

    if nginx.nginx_binary() is None:
        raise SystemExit("galerie bench --nginx needs nginx: apt-get install nginx")
    return nginx


# A configuration: its name, and what starts it (a context manager yielding its port and the pids
# of its app servers).
Configuration = tuple[str, Callable[[], AbstractContextManager[tuple[int, list[int]]]]]


def _server_configurations(env: dict, port: int, workers: int, servers: list[str]) -> list[Configuration]:
    def start(server: str):
        @contextmanager
        def started() -> Iterator[tuple[int, list[int]]]:
            with _app(env, port, workers, server) as pid:
                yield port, [pid]

        return started

    return [(server, start(server)) for server in servers]


def _nginx_configurations(env: dict, port: int, workers: int, server: str, var: Path) -> list[Configuration]:
    nginx = _nginx_module()
    static_root, media_root = var / "static", var / "media"
    media_root.mkdir(exist_ok=True)

    @contextmanager
    def direct() -> Iterator[tuple[int, list[int]]]:
        with _app(env, port, workers, server) as pid:
            yield port, [pid]

    def behind(count: int):
        @contextmanager
        def started() -> Iterator[tuple[int, list[int]]]:
            with ExitStack() as stack:
                ports = [port + i for i in range(count)]
                pids = [stack.enter_context(_app(env, p, max(1, workers // count), server)) for p in ports]
                front = stack.enter_context(
                    nginx.nginx_running(
                        var / f"nginx-{count}",
                        upstreams=[f"127.0.0.1:{p}" for p in ports],
                        static_root=static_root,
                        media_root=media_root,
                    )
                )
                yield front, pids

        return started

    half = max(1, workers // 2)
    return [
        (f"{server}, {workers} workers, no proxy", direct),
        (f"nginx → 1 app server × {workers} workers", behind(1)),
        (f"nginx → 2 app servers × {half} workers", behind(2)),
    ]


def _measure(
    configurations: list[Configuration], *, plan: dict, files: dict[str, Path], rounds: int, duration: float,
    connections: int,
) -> dict:  # fmt: skip
    runs: dict[str, dict[str, list[dict]]] = {name: {s: [] for s in SCENARIOS} for name, _ in configurations}
    cookie = plan["csrf_cookie"]
    for round_ in range(1, rounds + 1):
        for name, start in configurations:
            _say(f"round {round_}/{rounds}: {name}")
            with start() as (port, pids):
                for scenario in SCENARIOS:
                    _wrk(port, files[scenario], seconds=WARMUP_S, connections=connections, cookie=cookie)
                for scenario in SCENARIOS:
                    for pid in pids:
                        _settle(pid)
                    figures = _wrk(
                        port, files[scenario], seconds=duration, connections=connections, cookie=cookie
                    )
                    seconds = figures["duration_us"] / 1e6
                    errors = sum(figures["errors"].values())
                    row = {
                        "rps": figures["requests"] / seconds,
                        "p50_ms": figures["latency_us"]["p50"] / 1000,
                        "p99_ms": figures["latency_us"]["p99"] / 1000,
                        "errors": errors,
                    }
                    runs[name][scenario].append(row)
                    _say(
                        f"  {scenario:<10} {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:6.1f} ms"
                        f"  p99 {row['p99_ms']:6.1f} ms  errors {errors}"
                    )
    medians: dict = {}
    for name, scenarios in runs.items():
        medians[name] = {
            scenario: {
                key: round(statistics.median(row[key] for row in rows), 1)
                for key in ("rps", "p50_ms", "p99_ms")
            }
            | {"errors": sum(row["errors"] for row in rows)}
            for scenario, rows in scenarios.items()
        }
        floor = medians[name]["floor"]["rps"]
        for scenario in SCENARIOS:
            medians[name][scenario]["to_floor"] = round(medians[name][scenario]["rps"] / floor, 3)
    return {"medians": medians, "rounds": runs}


def _table(medians: dict, reference: str) -> str:
    lines = [
        "| configuration | floor req/s (p50/p99 ms) | category req/s (p50/p99 ms), ratio to floor "
        "| product req/s (p50/p99 ms), ratio to floor | floor vs first row |",
        "|---|---:|---:|---:|---:|",
    ]
    base = medians[reference]["floor"]["rps"]
    for name, row in medians.items():
        cells = []
        for scenario in SCENARIOS:
            figures = row[scenario]
            cell = f"{figures['rps']:,.0f} ({figures['p50_ms']:.1f}/{figures['p99_ms']:.1f})"
            if scenario != "floor":
                ratio = figures["to_floor"]
                cell += f", ×{ratio:.2f}" if ratio >= 1 else f", 1/{1 / ratio:.1f}"
            if figures["errors"]:
                cell += f", {figures['errors']} errors"
            cells.append(cell)
        lines.append(f"| {name} | {' | '.join(cells)} | ×{row['floor']['rps'] / base:.2f} |")
    return "\n".join(lines)


def main(
    *, mode: str, scale: str, database_url: str, port: int, servers: list[str], rounds: int,
    duration: float, connections: int,
) -> None:  # fmt: skip
    started, load_before = time.monotonic(), os.getloadavg()
    var, env, plan, files = prepare_run(scale, database_url)
    workers = 2 * (os.cpu_count() or 1)
    try:
        if mode == "servers":
            configurations = _server_configurations(env, port, workers, servers)
        else:
            configurations = _nginx_configurations(env, port, workers, servers[0], var)
        results = _measure(
            configurations, plan=plan, files=files, rounds=rounds, duration=duration, connections=connections
        )
    finally:
        shutil.rmtree(var, ignore_errors=True)
    results["meta"] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "scale": scale,
        "offers": plan["counts"]["offers"],
        "workers": workers,
        "threads": 2,
        "rounds": rounds,
        "duration_s": duration,
        "connections": connections,
        "default_server": DEFAULT_SERVER,
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory",
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "run_s": round(time.monotonic() - started),
        # Other work on the machine moves every figure: the load average before and after the run.
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }
    table = _table(results["medians"], next(iter(results["medians"])))
    results["table"] = table
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = BENCH_DIR / "results" / f"{stamp}-{'appservers' if mode == 'servers' else 'nginx'}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(table)
    _say(f"results: {path} ({results['meta']['run_s']} s in all)")
