"""Galerie scaled out on one machine's loopback, end to end: two app servers (``galerie serve``)
behind nginx (the shipped site file), PostgreSQL, Redis (cache and sessions, shared by both
servers), RabbitMQ, the outbox relay (``galerie worker`` with a broker), two Celery workers and
beat, and a real SMTP server.

500 orders are placed through nginx by concurrent customers, so that both app servers place them,
while one Celery worker is killed with SIGKILL (with its pool) and restarted again and again. Once
all has settled (outbox drained, payments captured by the jobs beat sends): the invariants of
tests/reliability/invariants.py hold, 500 orders, every e-mail arrived under its Message-ID and
no other (a second copy only for a kill between the SMTP server's answer and its record, as in
tests/reliability/test_worker_kills.py: at most one per kill and per task the killed worker had
in hand, its concurrency being 2), no dead letter, the search index is what the database says
now (the offers that sold out are no longer anyone's best price). ``pytest -s`` prints the
figures; docs/scale-out-test.md tells why the test is so.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection

from bench.worker_throughput import FROM_EMAIL, Sink, smtp_start
from tests.deploy.nginx import free_port
from tests.scaleout.child import ORDERS
from tests.scaleout.stack import (
    NGINX,
    REPOSITORY,
    Driver,
    Stack,
    nginx_config,
    python,
    rabbitmq_vhost,
    upstream_counts,
    wait_http,
    wait_logged,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq, pytest.mark.nginx]

LEASE_SECONDS = 5
# Seconds, on average, between a restarted worker's first delivery and its next kill: a worker
# (Django, WeasyPrint, the templates) takes a few seconds and CPU to be up to speed again.
KILL_EVERY = 10.0
MAX_KILLS = 10
DRAIN_TIMEOUT = 600  # a loaded machine; the figures say how long it took


def _server_url(database: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'] or 'postgres')}{password}@{host}/{database}"


def _redis_url(db_number: int) -> str:
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{db_number}", parts.query, ""))


def _redis_forget(url: str, prefix: str) -> None:
    """Delete the run's keys (sessions, cache) from its Redis database."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


def _pending(url: str) -> tuple[int, int]:
    """(what is still on its way, dead letters), read straight from PostgreSQL: events neither
    delivered nor dead, and what the periodic jobs (beat) bring to rest — payments being
    authorized or captured (the test gateway's webhooks), attempts still reserved, refunds."""
    from galerie.core.delivery import MAX_ATTEMPTS

    with psycopg.connect(url) as conn:
        waiting, dead = conn.execute(
            "SELECT count(*) FILTER (WHERE attempts < %s), count(*) FILTER (WHERE attempts >= %s)"
            " FROM core_outboxevent WHERE delivered_at IS NULL",
            (MAX_ATTEMPTS, MAX_ATTEMPTS),
        ).fetchone()
        for query in (
            "SELECT count(*) FROM payments_payment p JOIN orders_order o ON o.payment_id = p.id"
            " WHERE p.status IN ('pending', 'capture_pending')",
            "SELECT count(*) FROM checkout_checkoutattempt WHERE status = 'reserved'",
            "SELECT count(*) FROM payments_refund WHERE status = 'pending'",
        ):
            waiting += conn.execute(query).fetchone()[0]
    return waiting, dead


def test_500_orders_through_nginx_and_two_app_servers_while_a_celery_worker_is_killed(tmp_path):
    run = uuid.uuid4().hex[:8]
    database = f"galerie_scaleout_{run}"
    admin = _server_url("postgres")
    url = _server_url(database)
    var = tmp_path
    static_root, media_root = var / "static", var / "media"
    smtp_sink = Sink(delay=0.005)
    smtp = smtp_start(smtp_sink)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "REDIS_URL": _redis_url(int(os.environ.get("GALERIE_SCALEOUT_REDIS_DB", "13"))),
        "CACHE_KEY_PREFIX": f"galerie-scaleout-{run}",  # nothing shared with another run's keys
        "SECRET_KEY": f"scale-out-{uuid.uuid4().hex}",  # the same for both app servers
        "GALERIE_VAR_DIR": str(var),
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_FILE_PATH": "",
        "DEFAULT_FROM_EMAIL": FROM_EMAIL,
        "GALERIE_SITE_URL": "http://127.0.0.1",
        "GALERIE_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "GALERIE_OUTBOX_BACKOFF_SECONDS": "1",
        # One address, many checkouts per customer: no checkout limit; the test gateway and IBAN.
        "THROTTLE_RATES": "checkout.account=,checkout.ip=,checkout_declined.account=,checkout_declined.ip=",
        "GALERIE_ALLOW_TEST_GATEWAY": "1",
        "GALERIE_ALLOW_DEMO_IBAN": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(REPOSITORY)) if p),
    }
    env.pop("GALERIE_BROKER_URL", None)
    stack = Stack(var, env)
    galerie = python("-m", "galerie.cli")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        with rabbitmq_vhost(f"galerie_scaleout_{run}") as broker:
            env["GALERIE_BROKER_URL"] = broker
            summary = _run(stack, galerie, url, smtp_sink, var, static_root, media_root)
    finally:
        stack.stop()
        smtp.stop()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _redis_forget(env["REDIS_URL"], env["CACHE_KEY_PREFIX"])
    print("\n" + json.dumps(summary))


def _say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} {text}", file=sys.stderr, flush=True)


def _run(stack, galerie, url, smtp_sink, var: Path, static_root: Path, media_root: Path) -> dict:
    env = stack.env
    subprocess_run = __import__("subprocess").run
    # Static files once for both servers (--no-collectstatic), alongside the database's set-up.
    _say("migrate, collectstatic, the marketplace")
    collect = stack.start("collectstatic", [*galerie, "collectstatic", "--no-input", "-v", "0"])
    for step in (
        [*galerie, "migrate", "-v", "0"],
        python("-m", "tests.scaleout.child", "world", str(var / "world.json")),
    ):
        done = subprocess_run(step, env=env, cwd=REPOSITORY, capture_output=True, text=True)
        assert done.returncode == 0, f"{step}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    assert collect.wait(timeout=300) == 0, stack.log("collectstatic")[-3000:]
    del stack.processes["collectstatic"]
    world = json.loads((var / "world.json").read_text())

    _say("starting the servers")
    # The app servers, then nginx in front of them.
    apps = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    for n, bind in enumerate(apps, 1):
        stack.start(
            f"app-{n}",
            [*galerie, "serve", "--bind", bind, "--workers", "2", "--threads", "2", "--no-collectstatic"],
        )
    for n, bind in enumerate(apps, 1):
        wait_http(f"http://{bind}/healthz", stack, f"app-{n}")
    port = free_port()
    config = nginx_config(
        var, listen=f"127.0.0.1:{port}", upstreams=apps, static_root=static_root, media_root=media_root
    )
    stack.start("nginx", [NGINX, "-p", str(var), "-c", str(config), "-g", "daemon off;"])
    wait_http(f"http://127.0.0.1:{port}/healthz", stack, "nginx")

    # The deliveries: the relay (galerie worker with a broker), two Celery workers, beat.
    stack.start("relay", [*galerie, "worker", "--sleep", "0.2"])
    workers = ["celery-1", "celery-2"]
    for n, name in enumerate(workers, 1):
        stack.start(
            name,
            python("-m", "celery", "-A", "galerie", "worker", "--concurrency", "2",
                   "--loglevel", "info", "-n", f"w{n}@%h"),
        )  # fmt: skip
    beat = ["-m", "celery", "-A", "galerie", "beat", "--loglevel", "info", "-s", str(var / "beat-schedule")]
    stack.start("beat", python(*beat))
    wait_logged(stack, "relay", "relay started")
    ready, working = "ready.", "succeeded in"
    for name in workers:
        wait_logged(stack, name, ready)

    # The customers, and the killer of the first worker while they buy and until all is delivered.
    driver = Driver(port, world)
    buying = threading.Event()
    buying.set()
    victim = workers[0]
    rng = random.Random(5)

    killer_errors: list[BaseException] = []

    def killer() -> None:
        try:
            kill()
        except BaseException as error:  # reported below, not lost in the thread
            killer_errors.append(error)

    def kill() -> None:
        while buying.is_set() and stack.kills[victim] < MAX_KILLS:
            # Up again and delivering before the next kill, so that kills land in the work.
            while working not in stack.log(victim, latest=True):
                if _sleep_while(buying, 0.2):
                    return
            if _sleep_while(buying, rng.uniform(0.5, 1.5) * KILL_EVERY):
                return
            stack.kill_and_restart(victim)

    _say("placing the orders")
    kill_thread = threading.Thread(target=killer)
    kill_thread.start()
    try:
        seconds = driver.run()
        bought = time.monotonic()
        assert driver.errors == [], driver.errors[:5]
        assert driver.placed == ORDERS
        _say(f"{driver.placed} orders placed in {seconds:.1f} s; waiting for the outbox")
        pending = _drain(stack, url)
    finally:
        buying.clear()
        kill_thread.join()
    drained = time.monotonic()
    assert not killer_errors, killer_errors
    assert pending[0] == 0, f"after {DRAIN_TIMEOUT} s, {pending[0]} events or payments still on their way"

    _say("drained; checking")
    time.sleep(1)  # an SMTP answer already on its way to the sink
    (var / "received.json").write_text(json.dumps([[m, list(r)] for m, r in smtp_sink.received]))
    files = (str(var / f) for f in ("world.json", "received.json", "check.json"))
    checking = python("-m", "tests.scaleout.child", "check", *files)
    done = subprocess_run(checking, env=env, cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads((var / "check.json").read_text())
    figures, problems = found["figures"], found["problems"]
    served = upstream_counts(var, "/checkout/")
    kills = stack.kills[victim]
    logs = "\n".join(stack.log(name) for name in workers)
    summary = {
        "orders_per_s": round(ORDERS / seconds, 1),
        "seconds": round(seconds, 1),
        "drained_after_s": round(drained - bought, 1),
        "orders_by_server": {a: served.get(a, 0) for a in apps},
        "kills": kills,
        "resent_unconfirmed": logs.count("found unconfirmed"),
        **figures,
    }
    print("\n" + json.dumps(summary), file=sys.stderr)
    assert problems == [], problems
    assert figures["orders"] == ORDERS
    assert figures["dead_letters"] == 0
    assert sum(served.values()) == ORDERS and all(served.get(a, 0) > 0 for a in apps), served
    assert kills >= 3
    assert figures["emails_received"] >= figures["emails_expected"] >= ORDERS + figures["seller_orders"]
    # A second copy only for a kill between the server's answer and its record: at most one per kill
    # and per e-mail the killed worker had in hand (its pool's concurrency).
    assert figures["email_duplicates_same_message_id"] <= 2 * kills
    return summary


def _drain(stack: Stack, url: str) -> tuple[int, int]:
    """Wait until every event is delivered (or dead, which the checks refuse); return what is left."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while (pending := _pending(url))[0] and time.monotonic() < deadline:
        died = stack.exited()
        assert not died, f"{died} stopped by themselves:\n" + "\n".join(stack.log(n)[-2000:] for n in died)
        time.sleep(0.5)
    return pending


def _sleep_while(flag: threading.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``flag`` is cleared meanwhile; return whether it was."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not flag.is_set():
            return True
        time.sleep(0.05)
    return not flag.is_set()
