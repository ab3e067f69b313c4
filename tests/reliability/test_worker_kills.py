"""Three real ``galerie worker`` processes over one PostgreSQL, one of them killed with SIGKILL 100
times while 10,000 events flow: every event's effect once, none lost, only the poisoned dead.

The harness (the world, the events, the SMTP server, the workers, the checks) is
``bench/worker_throughput.py``'s, so the bench measures what this test proves. "Once" for each
effect (docs/reliability.md, "Several workers"):

- e-mail: the SMTP server received each (event, recipient, kind)'s Message-ID, and no other; a
  second copy under the same Message-ID is allowed (a worker killed after the server's "250 OK"
  and before it recorded it sends again; mail stores drop a Message-ID they hold) and counted;
- ledger: each order's capture and allocation entries exist once (their idempotency keys), and
  the ledger balances;
- search index: the entries as the workers left them equal the entries recomputed afterwards.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from django.db import connection

from bench.worker_throughput import run, world_build

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EVENTS = 10_000
ORDERS = 1_000  # 2,000 events (payment.captured + order.placed), 1,000 confirmation e-mails
POISONED = 40
KILLS = 100


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'] or '')}{password}@{host}/{db['NAME']}"


def test_three_workers_one_killed_100_times_deliver_every_event_once_and_lose_none():
    world = world_build(orders=ORDERS, offers=200)

    result = run(
        database_url=_database_url(),
        world=world,
        workers=3,
        events=EVENTS,
        poisoned=POISONED,
        rate=float(os.environ.get("GALERIE_TEST_WORKER_RATE", "110")),
        kills=KILLS,
        kill_every=0.7,
        lease=3.0,
        backoff=0.01,
        timeout=float(os.environ.get("GALERIE_TEST_WORKER_TIMEOUT", "240")),
    )

    figures = result.figures
    print(f"\n{figures}")  # the lag and the duplicates, for the record (pytest -s)
    assert result.problems == [], result.problems
    assert figures["kills"] == KILLS
    assert figures["events"] == EVENTS
    assert figures["dead_letters"] == POISONED
    assert figures["emails_received"] >= figures["emails_expected"] == ORDERS
    # A second copy only for a kill between the server's answer and its record: at most one per kill.
    assert figures["email_duplicates_same_message_id"] <= KILLS
    assert figures["ledger_entries"] == 2 * ORDERS
