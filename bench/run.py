"""`galerie bench`: measure the marketplace under load against the framework's floor.

Everything that touches the database runs in child processes pointed at the bench database;
this process only orchestrates: prepare the database, then two passes — Galerie served as in
production with its caches warm, then a second server with every result cache bypassed
(``GALERIE_CACHE_BYPASS=1``), so that caching never hides a slow query. In each pass: warm up,
run each scenario with wrk (requests drawn with a Zipf popularity, ``bench/zipf.py``; the
checkout with a Python driver, warm pass only), read the CPU each side used. Then check the
invariants and write the report.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench import checkout_driver, zipf
from bench.report import write_reports
from galerie.web.management.commands.serve import DEFAULT_SERVER

BENCH_DIR = Path(__file__).resolve().parent
LUA = BENCH_DIR / "lua" / "scenario.lua"
# Weights of the mixed run, like a marketplace's traffic: mostly product pages, then listings.
MIX = {"home": 10, "category": 15, "filtered": 10, "product": 45, "search": 10, "add_to_cart": 10}
WRK_SCENARIOS = [
    "floor", "home", "category", "filtered", "product", "api_product", "add_to_cart", "search",
    "autocomplete",
]  # fmt: skip
SELLER_SCENARIOS = ["seller_dashboard", "seller_offers"]  # signed in as the owner of the biggest seller
# The passes: caches warm (as in production), then caches bypassed (every result cache misses).
# The writes and the seller area run in the warm pass only. The floor is measured at the start and
# at the end of each pass: the pass's ratios are to their mean, and a floor that moved tells of
# another load on the machine (the report flags the pass as noisy).
PASSES = {
    "warm": [*WRK_SCENARIOS, "mix", *SELLER_SCENARIOS, "checkout", "floor_end"],
    "bypass": [
        "floor",
        "home",
        "category",
        "filtered",
        "product",
        "api_product",
        "search",
        "autocomplete",
        "mix",
        "floor_end",
    ],
}


# The bench's checkouts come from one address, many per customer: no checkout limit.
BENCH_THROTTLE_RATES = "checkout.account=,checkout.ip=,checkout_declined.account=,checkout_declined.ip="
# The bench serves the seeded demo marketplace with `galerie serve`: its test gateway and IBAN.
BENCH_ALLOWED = {"GALERIE_ALLOW_TEST_GATEWAY": "1", "GALERIE_ALLOW_DEMO_IBAN": "1"}


def server_env(database_url: str, var: Path) -> dict[str, str]:
    """The environment of a benchmarked server: production settings, the floor view on."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "GALERIE_VAR_DIR": str(var),
        "GALERIE_BENCH": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GALERIE_SERVE_MEDIA": "false",
        "API_RATES": "key=,account=,ip=,failed_auth=",  # the load comes from one address: no rate limit
        "THROTTLE_RATES": BENCH_THROTTLE_RATES,
        **BENCH_ALLOWED,
    }


def _say(text: str) -> None:
    print(text, flush=True)


def _galerie(*args: str, env: dict, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "galerie.cli", *args], env=env, check=True, text=True,
        capture_output=capture,
    )  # fmt: skip


def _database(url: str) -> None:
    """Create the bench database if it does not exist."""
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            _say(f"created database {name}")


def _ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # utime + stime, and cutime + cstime: the CPU of children that have exited (database
            # backends and server workers come and go during a run).
            total += sum(int(value) for value in fields[11:15])
        except (OSError, IndexError, ValueError):
            pass
    return total


def _processes() -> list[tuple[int, int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                found.append((int(entry.name), ppid, comm))
            except (OSError, ValueError):
                pass
    return found


def _cpu_sample(server_pid: int) -> dict[str, int]:
    procs = _processes()
    server = [server_pid] + [pid for pid, ppid, _ in procs if ppid == server_pid]
    database = [pid for pid, _, comm in procs if comm.startswith("postgres")]
    return {"server": _ticks(server), "database": _ticks(database)}


def _settle(server_pid: int, *, most_s: float = 10) -> None:
    """Wait until the server is idle: when wrk stops, the workers still serve the requests it had
    sent (seconds of work after a slow scenario), which would count against the next one."""
    until = time.monotonic() + most_s
    before = _cpu_sample(server_pid)["server"]
    while time.monotonic() < until:
        time.sleep(0.25)
        now = _cpu_sample(server_pid)["server"]
        if now - before <= 0.25 * os.sysconf("SC_CLK_TCK") * 0.1:  # under a tenth of a core
            return
        before = now


def _wrk(port: int, requests_file: Path, *, seconds: float, connections: int, cookie: str) -> dict:
    threads = min(2, connections)
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_COOKIE": cookie}
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", duration, "--timeout", "10s",
         "-s", str(LUA), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(raw for raw in out.stdout.splitlines() if raw.startswith("{"))
    return json.loads(line)


def _ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        _say("installing wrk (Debian package) for the load …")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        return
    raise SystemExit("galerie bench needs wrk, the HTTP load generator: apt-get install wrk")


def _wait_healthy(port: int, server: subprocess.Popen) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting: see the output above")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz within 30 s")


def _serve(
    env: dict, port: int, workers: int, server_name: str | None = None, *, collected: bool = False
) -> subprocess.Popen:
    """`galerie serve` on ``port`` (the server named, else galerie serve's default), once healthy;
    ``collected``: the static files are already (``prepare_run``)."""
    options = ["--server", server_name] if server_name else []
    options += ["--no-collectstatic"] if collected else []
    server = subprocess.Popen(
        [sys.executable, "-m", "galerie.cli", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", "2", *options],
        env=env, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_healthy(port, server)
    except BaseException:
        _stop(server)
        raise
    return server


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def _request_files(plan: dict, var: Path) -> dict[str, Path]:
    """One request file per scenario, each request with its Zipf weight (``bench/zipf.py``)."""
    files = {}
    for name in [*WRK_SCENARIOS, *SELLER_SCENARIOS]:
        files[name] = var / f"{name}.txt"
        files[name].write_text("\n".join(zipf.table(plan[name])) + "\n")
    files["floor_end"] = files["floor"]
    files["mix"] = var / "mix.txt"
    files["mix"].write_text("\n".join(zipf.mix_table(plan, MIX)) + "\n")
    return files


def _pass(
    name: str, *, env: dict, port: int, workers: int, plan: dict, files: dict[str, Path],
    duration: float, connections: int, checkout_customers: int, server_name: str | None = None,
) -> dict:  # fmt: skip
    """Serve, warm up, load each scenario of the pass; return the figures per scenario."""
    scenarios = PASSES[name]
    loaded = [s for s in scenarios if s not in ("checkout", "floor_end")]
    cookies = {s: plan["seller_cookie"] if s in SELLER_SCENARIOS else plan["csrf_cookie"] for s in scenarios}
    _say(f"pass “{name}”{' (GALERIE_CACHE_BYPASS=1)' if name == 'bypass' else ''}: serving …")
    server = _serve(env, port, workers, server_name, collected=True)
    figures_of: dict = {}
    try:
        _say(f"  warming up ({len(loaded)} scenarios × 3 s) …")
        for scenario in loaded:
            _wrk(port, files[scenario], seconds=3, connections=connections, cookie=cookies[scenario])
        for scenario in scenarios:
            _settle(server.pid)
            before = _cpu_sample(server.pid)
            if scenario == "checkout":
                figures = checkout_driver.run(
                    port, plan["checkout"], customers=checkout_customers, seconds=duration
                )
            else:
                figures = _wrk(
                    port, files[scenario], seconds=duration, connections=connections, cookie=cookies[scenario]
                )
            after = _cpu_sample(server.pid)
            figures["cpu_ticks"] = {side: after[side] - before[side] for side in after}
            figures_of[scenario] = figures
            if scenario == "checkout":
                _say(f"  {'checkout':<16} {figures['checkouts'] / figures['duration_s']:>8.1f} orders/s")
            else:
                seconds = figures["duration_us"] / 1e6
                p95 = figures["latency_us"]["p95"] / 1000
                _say(f"  {scenario:<16} {figures['requests'] / seconds:>8.1f} req/s  p95 {p95:7.1f} ms")
    finally:
        _stop(server)
    return figures_of


def prepare_run(scale: str, database_url: str) -> tuple[Path, dict, dict, dict[str, Path]]:
    """The bench database created, migrated and seeded (once), static files collected, the
    scenarios' requests picked: (temporary folder, servers' environment, plan, request files)."""
    _ensure_wrk()
    if not database_url.startswith("postgres"):
        raise SystemExit("galerie bench runs on PostgreSQL: pass --database-url postgres://…")
    var = Path(tempfile.mkdtemp(prefix="galerie-bench-"))
    env = server_env(database_url, var)
    env.pop("GALERIE_CACHE_BYPASS", None)  # the warm pass serves as in production
    _database(database_url)
    _galerie("migrate", "--verbosity", "0", env=env)
    count = "from galerie.offers.models import Offer; print(Offer.objects.count())"
    seeded = _galerie("shell", "--no-imports", "-c", count, env=env, capture=True).stdout.split()[-1]
    if seeded == "0":
        _galerie("seed", "--scale", scale, env=env)
    else:
        _say(f"reusing the seeded bench database ({int(seeded):,} offers)")
    _galerie("collectstatic", "--no-input", "--verbosity", "0", env=env)
    plan_file = var / "plan.json"
    _galerie("bench", "--prepare", str(plan_file), env=env)
    plan = json.loads(plan_file.read_text())
    return var, env, plan, _request_files(plan, var)


def main(
    *, scale: str, duration: float, connections: int, port: int, database_url: str, checkout_customers: int,
    passes: tuple[str, ...] = ("warm", "bypass"), server_name: str | None = None,
) -> int:  # fmt: skip
    started = time.monotonic()
    var, env, plan, files = prepare_run(scale, database_url)

    workers = 2 * (os.cpu_count() or 1)
    results: dict = {"passes": {}}
    for name in passes:
        results["passes"][name] = _pass(
            name, env={**env, "GALERIE_CACHE_BYPASS": "1"} if name == "bypass" else env, port=port,
            workers=workers, plan=plan, files=files, duration=duration, connections=connections,
            checkout_customers=checkout_customers, server_name=server_name,
        )  # fmt: skip
    checks = _galerie("bench", "--check", env=env, capture=True).stdout
    results["invariants"] = json.loads(checks)
    results["meta"] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "offers": plan["counts"]["offers"],
        "duration_s": duration,
        "connections": connections,
        "server": f"{server_name or DEFAULT_SERVER}, {workers} workers (2 threads where it has threads)",
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory",
        "popularity": plan["popularity"],
        "mix": MIX,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "clock_ticks": os.sysconf("SC_CLK_TCK"),
        "run_s": round(time.monotonic() - started),
    }
    report = write_reports(results, BENCH_DIR / "results")
    print(report["table"])
    files_written = f"{report['json']}, {report['markdown']}, {report['chart']}"
    _say(f"results: {files_written} ({results['meta']['run_s']} s in all)")
    broken = {name: n for name, n in results["invariants"].items() if isinstance(n, int) and n}
    shutil.rmtree(var, ignore_errors=True)
    if broken:
        _say(f"INVARIANTS BROKEN: {broken}")
        return 1
    return 0


def ledger_main(*, admin_url: str) -> None:
    """Figures of the ledger on a throwaway database: created, migrated, measured, dropped."""
    import psycopg

    url = admin_url.rstrip("/") + "/galerie_bench_ledger"
    var = Path(tempfile.mkdtemp(prefix="galerie-bench-ledger-"))
    env = {**os.environ, "DATABASE_URL": url, "GALERIE_VAR_DIR": str(var), "LOG_LEVEL": "ERROR"}
    with psycopg.connect(admin_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "galerie_bench_ledger"')
        conn.execute('CREATE DATABASE "galerie_bench_ledger"')
    try:
        _galerie("migrate", "--verbosity", "0", env=env)
        out = _galerie("bench", "--ledger-figures", str(var), env=env, capture=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = BENCH_DIR / "results" / f"{stamp}-ledger.json"
        path.write_text(json.dumps(figures, indent=1))
        _say(
            f"payout run for {figures['sellers']:,} sellers: {figures['payout_run_s']} s "
            f"({figures['sellers_per_s']} sellers/s); "
            f"ledger posting: {figures['posting_entries_per_s']} entries/s one per transaction,"
            f" {figures['batch_posting_entries_per_s']} entries/s 500 per transaction — {path}"
        )
    finally:
        with psycopg.connect(admin_url.rstrip("/") + "/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "galerie_bench_ledger" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)
