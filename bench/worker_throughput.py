"""Outbox worker figures for docs/reliability.md: events/s with 1 and 3 workers, and the lag.

``python -m bench.worker_throughput [--database-url postgres://…/galerie_bench_worker] [--events 10000]``
creates (or empties) the database, migrates it, then for each run builds a fresh world (a
storefront, two sellers, offers, paid orders), starts real ``galerie worker`` processes against a
real SMTP server (aiosmtpd, in this process) and feeds them a realistic mix of events: an order
(``payment.captured`` + ``order.placed``: a confirmation e-mail, ledger postings), offer price
and stock changes through the offers' services (the search index), and a few poisoned events
(``order.placed`` of an order that does not exist: its handler always raises).

- throughput, 1 and 3 workers: every event written first, then the time to drain the backlog;
- lag, 3 workers: events written at a steady rate (half the 3-worker throughput), event created →
  delivered (median, p99, max).

Prints the figures and writes them to ``bench/results/<stamp>-worker.json``. The same harness
runs ``tests/reliability/test_worker_kills.py`` (3 workers, one killed with SIGKILL 100 times).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCH_DIR.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/galerie_bench_worker"
FROM_EMAIL = "Galerie <no-reply@galerie.test>"
POISON_BASE = 900_000_000  # order ids that do not exist: the poisoned events' payloads
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


# --- the SMTP server ---------------------------------------------------------------------------


@dataclass
class Sink:
    """A real SMTP server's end: records each accepted message's Message-ID and recipients.

    ``delay``: how long it takes to answer DATA (a real server writes to disk), which is the
    window in which a killed worker leaves an e-mail unconfirmed.
    """

    delay: float = 0.005
    received: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        found = MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.received.append(
                (found.group(1).decode() if found else "", tuple(a.lower() for a in envelope.rcpt_tos))
            )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_start(sink: Sink) -> Any:
    from aiosmtpd.controller import Controller

    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


# --- the world and the events (in a process with Django set up) -----------------------------------


@dataclass
class World:
    storefront_id: int
    offer_ids: list[int]
    orders: list[tuple[int, int, str]]  # (order id, payment id, e-mail)


def world_build(*, orders: int, offers: int, seed: int = 7) -> World:
    """A storefront, two sellers, ``offers`` offers (two per product), ``orders`` paid orders; no events."""
    from galerie.core.models import OutboxEvent
    from tests.factories import (
        make_category,
        make_offer,
        make_product,
        make_product_type,
        make_seller,
        make_storefront,
        make_variant,
    )
    from tests.notifications.orders import make_order

    rng = random.Random(seed)
    category = make_category("Bench books")
    storefront = make_storefront(name="Librairie du Banc", code="banc", scope=[category])
    sellers = [
        make_seller(storefronts=[storefront], display_name=name, email=f"orders@{slug}.test")
        for name, slug in (("Bouquinerie Martin", "martin"), ("Atelier Gravure", "gravure"))
    ]
    product_type = make_product_type(attributes=[])
    offer_list = []
    for _ in range(offers // 2):
        variant = make_variant(product=make_product(category=category, product_type=product_type))
        for seller in sellers:
            offer_list.append(
                make_offer(seller=seller, variant=variant, price_minor=rng.randrange(500, 5000), stock=1000)
            )
    built = []
    for i in range(orders):
        lines = [(offer, rng.randrange(1, 3)) for offer in rng.sample(offer_list, rng.randrange(1, 3))]
        order = make_order(storefront=storefront, lines=lines, email=f"customer{i % 200}@example.test")
        built.append((order.pk, order.payment_id, order.email))
    OutboxEvent.objects.all().delete()  # the setup's own events (applications …): not measured
    return World(storefront.pk, [o.pk for o in offer_list], built)


def plan_make(world: World, *, events: int, poisoned: int, seed: int = 11) -> list[tuple[str, int]]:
    """The actions that write ``events`` events: ("order", i) writes 2, ("price"|"stock", offer id)
    and ("poison", n) one each. Poisoned events come in the first half (their 12 attempts take a while)."""
    rng = random.Random(seed)
    order_actions = [("order", i) for i in range(len(world.orders))]
    rest = events - 2 * len(order_actions) - poisoned
    assert rest >= 0, "too many orders for that many events"
    offer_actions = [(rng.choice(("price", "stock")), rng.choice(world.offer_ids)) for _ in range(rest)]
    actions = order_actions + offer_actions
    rng.shuffle(actions)
    for n in range(poisoned):
        actions.insert(rng.randrange(len(actions) // 2), ("poison", n))
    return actions


def act(world: World, action: tuple[str, int], rng: random.Random, last: dict[tuple[str, int], int]) -> int:
    """Write one action's events as the services do, in the transaction of the change; return
    how many. ``last``: each offer's price and stock as this producer left them, so that a change
    always changes something (and writes its event)."""
    from django.db import transaction

    from galerie.core.actors import System
    from galerie.core.money import Money
    from galerie.core.outbox import emit
    from galerie.offers.services import offer_price_set, offer_stock_set

    kind, value = action
    by = System("bench")
    if kind == "order":
        order_id, payment_id, _ = world.orders[value]
        with transaction.atomic():  # as the checkout: the capture recorded, the order placed
            emit("payment.captured", payment_id=payment_id)
            emit("order.placed", order_id=order_id, storefront_id=world.storefront_id)
        return 2
    if kind in ("price", "stock"):
        low, high = (500, 5000) if kind == "price" else (1, 1000)
        new = rng.randrange(low, high - 1)
        new += new >= last[kind, value]  # any value but the current one
        last[kind, value] = new
        if kind == "price":
            offer_price_set(offer_id=value, price=Money(new, "EUR"), by=by)
        else:
            offer_stock_set(offer_id=value, stock=new, by=by)
        return 1
    with transaction.atomic():
        emit("order.placed", order_id=POISON_BASE + value, storefront_id=world.storefront_id)
    return 1


def produce(world: World, actions: list[tuple[str, int]], *, rate: float | None, seed: int = 13) -> None:
    """Write the actions' events, at ``rate`` events per second (None: as fast as possible)."""
    from django.db import connection

    from galerie.offers.models import Offer

    rng = random.Random(seed)
    last: dict[tuple[str, int], int] = {}
    for pk, price, stock in Offer.objects.filter(pk__in=world.offer_ids).values_list(
        "pk", "price_minor", "stock"
    ):
        last["price", pk], last["stock", pk] = price, stock
    started, written = time.monotonic(), 0
    try:
        for action in actions:
            written += act(world, action, rng, last)
            if rate:
                ahead = written / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    finally:
        connection.close()


# --- the workers -----------------------------------------------------------------------------------


def worker_env(*, database_url: str, smtp_port: int, var: Path, lease: float, backoff: float) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_FILE_PATH": "",
        "DEFAULT_FROM_EMAIL": FROM_EMAIL,
        "GALERIE_SITE_URL": "https://shop.example.test",
        "GALERIE_VAR_DIR": str(var),
        "GALERIE_OUTBOX_LEASE_SECONDS": str(lease),
        "GALERIE_OUTBOX_BACKOFF_SECONDS": str(backoff),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(REPOSITORY)) if p),
    }


@dataclass
class Workers:
    """``count`` real ``galerie worker`` processes; each one's output appended to its log file."""

    count: int
    env: dict
    var: Path
    batch: int = 25
    processes: list[subprocess.Popen] = field(default_factory=list)
    started_at: list[float] = field(default_factory=list)
    log_offsets: list[int] = field(default_factory=list)
    kills: int = 0

    def start(self) -> Workers:
        for slot in range(self.count):
            self.log_offsets.append(0)
            self.started_at.append(time.monotonic())
            self.processes.append(self._spawn(slot))
        return self

    def wait_started(self, timeout: float = 300) -> None:
        """Wait until every worker logged that it started (Django is up, the handlers collected)."""
        deadline = time.monotonic() + timeout
        while not all(self._logged(slot, b"worker started") for slot in range(self.count)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workers did not start in {timeout:.0f} s:\n{self.logs()[-3000:]}")
            time.sleep(0.1)

    def _logged(self, slot: int, text: bytes) -> bool:
        with open(self.var / f"worker-{slot}.log", "rb") as log:
            log.seek(self.log_offsets[slot])
            return text in log.read()

    def working(self, slot: int) -> bool:
        """Whether the worker of ``slot`` has finished a batch since it started (it logs each one)."""
        with open(self.var / f"worker-{slot}.log", "rb") as log:
            log.seek(self.log_offsets[slot])
            return b"outbox batch" in log.read()

    def _spawn(self, slot: int) -> subprocess.Popen:
        command = [sys.executable, "-m", "galerie.cli", "worker", "--no-jobs"]
        command += ["--batch", str(self.batch), "--sleep", "0.2"]
        log = open(self.var / f"worker-{slot}.log", "ab")  # noqa: SIM115 (the child holds it)
        try:
            return subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.var)
        finally:
            log.close()

    def kill_and_restart(self, slot: int) -> None:
        """SIGKILL the worker of ``slot`` (no handler, no clean-up), then start another in its place."""
        process = self.processes[slot]
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.kills += 1
        self.log_offsets[slot] = (self.var / f"worker-{slot}.log").stat().st_size
        self.started_at[slot] = time.monotonic()
        self.processes[slot] = self._spawn(slot)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(
            (self.var / f"worker-{slot}.log").read_text(errors="replace") for slot in range(self.count)
        )


def killer(workers: Workers, *, kills: int, every: float, done: threading.Event, seed: int = 17) -> None:
    """Kill a random worker ``kills`` times, at random moments (mean ``every`` seconds apart), each
    one once it is working: it finished a batch since it started (or, when no event is due, has
    been up 2 s), so that the kills land in claims and handlers, not in Django's start-up."""
    from django.db import connection
    from django.utils import timezone

    from galerie.core.delivery import MAX_ATTEMPTS
    from galerie.core.models import OutboxEvent

    rng = random.Random(seed)
    try:
        while workers.kills < kills:
            if done.wait(rng.uniform(0.2 * every, 1.8 * every)):
                return
            ready = [s for s in range(workers.count) if workers.working(s)]
            if not ready:
                due = OutboxEvent.objects.filter(
                    delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS, available_at__lte=timezone.now()
                )
                if not due.exists():
                    ready = [s for s in range(workers.count) if time.monotonic() - workers.started_at[s] >= 2]
            if ready:
                workers.kill_and_restart(rng.choice(ready))
    finally:
        connection.close()


# --- waiting and checking --------------------------------------------------------------------------


def pending_counts() -> tuple[int, int]:
    """Return (events neither delivered nor dead, dead letters)."""
    from galerie.core.delivery import MAX_ATTEMPTS
    from galerie.core.models import OutboxEvent

    undelivered = OutboxEvent.objects.filter(delivered_at__isnull=True)
    dead = undelivered.filter(attempts__gte=MAX_ATTEMPTS).count()
    return undelivered.count() - dead, dead


def wait_drained(*, expected: int, poisoned: int, timeout: float, alive: Callable[[], None]) -> float:
    """Wait until all ``expected`` events exist and each is delivered or dead; return when (monotonic)."""
    from galerie.core.models import OutboxEvent

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        waiting, dead = pending_counts()
        if not waiting and dead >= poisoned and OutboxEvent.objects.count() >= expected:
            return time.monotonic()
        time.sleep(0.2)
    waiting, dead = pending_counts()
    raise TimeoutError(f"after {timeout:.0f} s: {waiting} events still waiting, {dead} dead letters")


def lag_figures() -> dict[str, float]:
    """Event created → delivered, in seconds, over the delivered events."""
    from django.db.models import F

    from galerie.core.models import OutboxEvent

    lags = sorted(
        (d - c).total_seconds()
        for c, d in OutboxEvent.objects.filter(delivered_at__isnull=False)
        .annotate(c=F("created_at"), d=F("delivered_at"))
        .values_list("c", "d")
    )
    if not lags:
        return {"median_s": 0.0, "p99_s": 0.0, "max_s": 0.0}
    return {
        "median_s": round(lags[len(lags) // 2], 3),
        "p99_s": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))], 3),
        "max_s": round(lags[-1], 3),
    }


def expected_message_id(event_uuid: Any, kind: str, recipient: str) -> str:
    """The Message-ID notifications/services.py gives the e-mail of (event, kind, recipient)."""
    who = hashlib.sha256(recipient.encode()).hexdigest()[:16]
    return f"<{event_uuid.hex}.{kind}.{who}@galerie.test>"


def check(world: World, sink: Sink, *, poisoned: int) -> tuple[dict[str, Any], list[str]]:
    """Check every event's effect once, none lost, dead letters = poisoned; return (figures, problems)."""
    from django.db.models import Sum

    from galerie.core.delivery import MAX_ATTEMPTS
    from galerie.core.models import OutboxEvent
    from galerie.ledger.models import JournalEntry, JournalLine
    from galerie.notifications.models import SentEmail
    from galerie.offers.models import Offer
    from galerie.search.models import SearchEntry
    from galerie.search.services import search_index_products

    problems: list[str] = []
    events = list(OutboxEvent.objects.values("id", "uuid", "topic", "payload", "delivered_at", "attempts"))
    poison = {
        e["id"] for e in events if e["topic"] == "order.placed" and e["payload"]["order_id"] >= POISON_BASE
    }
    undelivered = {e["id"] for e in events if e["delivered_at"] is None}
    dead = {e["id"] for e in events if e["delivered_at"] is None and e["attempts"] >= MAX_ATTEMPTS}
    if len(poison) != poisoned:
        problems.append(f"{len(poison)} poisoned events written, not {poisoned}")
    if undelivered - poison:
        problems.append(
            f"lost (not delivered): {len(undelivered - poison)} events,"
            f" e.g. {sorted(undelivered - poison)[:5]}"
        )
    if dead != poison:
        problems.append(f"dead letters {len(dead)} ≠ poisoned {len(poison)}: {sorted(dead ^ poison)[:5]}")

    # E-mails: one distinct Message-ID per (event, kind, recipient), received at least once.
    emails = {o: email for o, _, email in world.orders}
    expected = {
        expected_message_id(e["uuid"], "order_placed", emails[e["payload"]["order_id"]]): emails[
            e["payload"]["order_id"]
        ].lower()
        for e in events
        if e["topic"] == "order.placed" and e["id"] not in poison
    }
    copies = Counter(message_id for message_id, _ in sink.received)
    recipients = {message_id: rcpt for message_id, rcpt in sink.received}
    if set(copies) - set(expected):
        problems.append(f"unexpected e-mails: {sorted(set(copies) - set(expected))[:5]}")
    if set(expected) - set(copies):
        problems.append(
            f"lost e-mails: {len(set(expected) - set(copies))},"
            f" e.g. {sorted(set(expected) - set(copies))[:3]}"
        )
    wrong = [m for m, rcpt in recipients.items() if m in expected and rcpt != (expected[m],)]
    if wrong:
        problems.append(f"e-mails to the wrong recipient: {wrong[:3]}")
    unconfirmed = SentEmail.objects.filter(sent_at__isnull=True).count()
    if unconfirmed:
        problems.append(f"{unconfirmed} SentEmail rows left unconfirmed")

    # Ledger: the capture and the allocation of each order, once each; balanced.
    keys = Counter(JournalEntry.objects.values_list("idempotency_key", flat=True))
    want = {f"capture:{p}" for _, p, _ in world.orders} | {f"allocation:{o}" for o, _, _ in world.orders}
    if set(keys) != want or set(keys.values()) != {1}:
        problems.append(
            f"ledger: {len(want - set(keys))} entries missing, {len(set(keys) - want)} unexpected,"
            f" {sum(n - 1 for n in keys.values())} twice"
        )
    totals = JournalLine.objects.aggregate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    if totals["d"] != totals["c"]:
        problems.append(f"ledger unbalanced: {totals}")
    by_event = {str(e["uuid"]) for e in events}
    strangers = JournalEntry.objects.exclude(event_uuid__in=by_event).count()
    if strangers:
        problems.append(f"{strangers} ledger entries name no event of the run")

    # Search index: as the handler left it = recomputed now from the offers as they are.
    products = set(Offer.objects.filter(pk__in=world.offer_ids).values_list("variant__product_id", flat=True))
    fields = ("storefront_id", "product_id", "best_price_minor", "offer_count", "title_terms")
    index = set(SearchEntry.objects.filter(product_id__in=products).values_list(*fields))
    search_index_products(product_ids=products)
    again = set(SearchEntry.objects.filter(product_id__in=products).values_list(*fields))
    if index != again or len(index) != len(products):
        problems.append(
            f"search index stale: {len(index ^ again)} entries differ,"
            f" {len(index)} for {len(products)} products"
        )

    figures = {
        "events": len(events),
        "poisoned": len(poison),
        "dead_letters": len(dead),
        "emails_expected": len(expected),
        "emails_received": sum(copies.values()),
        "email_duplicates_same_message_id": sum(copies.values()) - len(copies),
        "ledger_entries": sum(keys.values()),
        "index_entries": len(index),
    }
    return figures, problems


# --- a run -----------------------------------------------------------------------------------------


@dataclass
class Run:
    """One run: the world already built, the workers, the SMTP server; see :func:`run`."""

    figures: dict[str, Any]
    problems: list[str]
    logs: str


def run(
    *,
    database_url: str,
    world: World,
    workers: int,
    events: int,
    poisoned: int,
    rate: float | None,
    kills: int = 0,
    kill_every: float = 1.0,
    lease: float = 4.0,
    backoff: float = 0.01,
    timeout: float = 600,
    smtp_delay: float = 0.005,
    preload: bool = False,
) -> Run:
    """Feed the events to ``workers`` real workers (killing them ``kills`` times), wait, check."""
    from django.db import connection

    actions = plan_make(world, events=events, poisoned=poisoned)
    sink = Sink(delay=smtp_delay)
    smtp = smtp_start(sink)
    var = Path(tempfile.mkdtemp(prefix="galerie-workers-"))
    env = worker_env(database_url=database_url, smtp_port=smtp.port, var=var, lease=lease, backoff=backoff)
    if preload:
        produce(world, actions, rate=None)
    pool = Workers(workers, env, var)
    done = threading.Event()
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def body() -> None:
            try:
                target()
            except BaseException as error:  # reported by the run, not lost in the thread
                errors.append(error)

        return body

    def alive() -> None:
        if errors:
            raise RuntimeError(f"a thread of the run failed: {errors[0]!r}") from errors[0]
        for slot, process in enumerate(pool.processes):
            if process.poll() is not None and process.returncode != -signal.SIGKILL:
                raise RuntimeError(
                    f"worker {slot} exited by itself ({process.returncode}):\n{pool.logs()[-3000:]}"
                )

    pool.start()
    pool.wait_started()  # the lag counts from a running worker, not from Django's start-up
    started = time.monotonic()
    threads = []
    if not preload:
        threads.append(threading.Thread(target=guarded(lambda: produce(world, actions, rate=rate))))
    if kills:
        threads.append(
            threading.Thread(target=guarded(lambda: killer(pool, kills=kills, every=kill_every, done=done)))
        )
    for thread in threads:
        thread.start()
    try:
        if not preload:
            while threads[0].is_alive():
                alive()
                threads[0].join(0.5)
        ended = wait_drained(expected=events, poisoned=poisoned, timeout=timeout, alive=alive)
        if kills:  # the kills go on until the count is reached, even once all is delivered
            while threads[-1].is_alive():
                alive()
                threads[-1].join(0.5)
    finally:
        done.set()
        for thread in threads:
            thread.join()
        pool.stop()
        smtp.stop()
        connection.close()
    logs = pool.logs()
    shutil.rmtree(var, ignore_errors=True)
    figures, problems = check(world, sink, poisoned=poisoned)
    seconds = ended - started
    if preload:  # the backlog was there before the workers: from the first delivery to the last
        from django.db.models import Max, Min

        from galerie.core.models import OutboxEvent

        span = OutboxEvent.objects.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
        seconds = (span["last"] - span["first"]).total_seconds()
    figures.update(
        workers=workers,
        kills=pool.kills,
        seconds=round(seconds, 1),
        events_per_s=round(events / seconds, 1),
        lag=lag_figures(),
        emails_resent_unconfirmed=logs.count("found unconfirmed"),
    )
    return Run(figures, problems, logs)


# --- the bench -------------------------------------------------------------------------------------


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _one(args: argparse.Namespace) -> dict[str, Any]:
    """In a child process on a freshly migrated database: build the world, run once."""
    import django

    django.setup()
    world = world_build(orders=args.orders, offers=200)
    preload = args.mode == "drain"
    result = run(
        database_url=args.database_url,
        world=world,
        workers=args.workers,
        events=args.events,
        poisoned=args.poisoned,
        rate=args.rate or None,
        preload=preload,
        lease=60,
    )
    if result.problems:
        raise SystemExit("the run broke an invariant: " + "; ".join(result.problems))
    return result.figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("GALERIE_BENCH_WORKER_URL", DEFAULT_URL))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--poisoned", type=int, default=0)
    parser.add_argument("--child", choices=["drain", "steady"], dest="mode", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mode:
        print(json.dumps(_one(args)))
        return
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the worker bench runs on PostgreSQL: pass --database-url postgres://…")
    var = Path(tempfile.mkdtemp(prefix="galerie-bench-worker-"))
    env = {
        **os.environ, "DATABASE_URL": args.database_url, "GALERIE_VAR_DIR": str(var), "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPOSITORY), os.environ.get("PYTHONPATH")) if p),
    }  # fmt: skip
    results: dict[str, Any] = {"events": args.events, "orders": args.orders, "cpus": os.cpu_count()}

    def child(mode: str, workers: int, rate: float = 0) -> dict[str, Any]:
        _recreate(args.database_url)
        subprocess.run([sys.executable, "-m", "galerie.cli", "migrate", "-v", "0"], env=env, check=True)
        command = [
            sys.executable,
            "-m",
            "bench.worker_throughput",
            "--child",
            mode,
            "--workers",
            str(workers),
        ]
        command += ["--rate", str(rate), "--events", str(args.events), "--orders", str(args.orders)]
        command += ["--database-url", args.database_url, "--poisoned", str(args.poisoned)]
        out = subprocess.run(command, env=env, check=True, text=True, capture_output=True, cwd=REPOSITORY)
        return json.loads(out.stdout.strip().splitlines()[-1])

    for workers in (1, 3):
        figures = child("drain", workers)
        results[f"drain_{workers}"] = figures
        print(
            f"{workers} worker(s): {args.events:,} events drained in {figures['seconds']} s,"
            f" {figures['events_per_s']} events/s"
        )
    rate = round(results["drain_3"]["events_per_s"] / 2, 1)
    steady = child("steady", 3, rate)
    results["steady_3"] = steady
    lag = steady["lag"]
    print(
        f"3 workers fed {rate} events/s: lag median {lag['median_s']} s, p99 {lag['p99_s']} s,"
        f" max {lag['max_s']} s"
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = BENCH_DIR / "results" / f"{stamp}-worker.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    shutil.rmtree(var, ignore_errors=True)
    print(f"— {path.relative_to(REPOSITORY)}")


if __name__ == "__main__":
    main()
