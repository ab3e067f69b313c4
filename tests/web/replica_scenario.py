"""Galerie against a real primary and streaming replica: run by tests/web/test_read_replica.py in
a process of its own, whose environment names the pair (DATABASE_URL, DATABASE_REPLICA_URL).

It migrates the primary, sets a scene there, then drives the pages through Django's test client
(the whole middleware stack) and records, for each step, what the page showed and how many
queries each database answered. It prints one JSON object; the test asserts on it. Replication is
controlled on the replica itself (pg_wal_replay_pause/resume); ``REPLICA_STOP`` is the command
line that stops the replica, for the last steps.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the test client's host
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from galerie.core import replicas  # noqa: E402

REPLICA = replicas.REPLICA
SHOP_FORM = {
    "display_name": "Martin",
    "low_stock_threshold": "5",
    "shipping_kind": "flat",
    "shipping_base": "4.90",
    "shipping_per_item": "0",
    "shipping_free_above": "",
    "transit_days_min": "2",
    "transit_days_max": "5",
}
results: dict[str, Any] = {}


def replica_sql(statement: str) -> Any:
    """Run one statement on the replica as its superuser (replay control), outside Django."""
    url = settings.DATABASES[REPLICA]
    with psycopg.connect(
        host=url["HOST"], port=url["PORT"], user=url["USER"], dbname=url["NAME"], autocommit=True
    ) as conn:
        return conn.execute(statement).fetchone()


def wait_until(predicate, *, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def get(client: Client, path: str) -> dict[str, Any]:
    """GET a page; return its status, body and the queries each database answered for it
    (counted as they are sent: counting must not open a connection itself)."""
    sent: dict[str, list[str]] = {DEFAULT_DB_ALIAS: [], REPLICA: []}

    def counter(alias: str):
        def wrapper(execute, sql, params, many, context):
            sent[alias].append(sql)
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in sent:
            stack.enter_context(connections[alias].execute_wrapper(counter(alias)))
        response = client.get(path)
    return {
        "status": response.status_code,
        "body": response.content.decode(),
        "primary": sent[DEFAULT_DB_ALIAS],
        "replica": len(sent[REPLICA]),
    }


def step(name: str, page: dict[str, Any], *marks: str) -> None:
    results[name] = {
        "status": page["status"],
        "shows": [m for m in marks if m in page["body"]],
        "replica_queries": page["replica"],
        # The health check's look at the primary's WAL position is not the page's reading.
        "primary_reads": [sql for sql in page["primary"] if "pg_current_wal_lsn" not in sql],
    }


def main() -> None:
    from tests.factories import make_seller, make_storefront
    from tests.web.portal_data import member

    # Templates are rendered without a collectstatic first (as in tests/conftest.py).
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}).enable()
    call_command("migrate", verbosity=0)
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront], display_name="Martin", description="Version one")
    owner = member(seller)
    customer_user = member(make_seller(storefronts=[storefront]))  # signed in, has written nothing
    shop = f"/s/{storefront.code}/seller/{seller.slug}/"
    marks = ("Version one", "Version two", "Version three", "Version four")
    assert wait_until(lambda: replicas.replica_lag() == 0.0), "the replica did not catch up"

    anonymous = Client()
    step("caught_up", get(anonymous, shop), *marks)
    # The other public pages read it too; the cart, a seller's portal page do not.
    for name, path in (
        ("home", f"/s/{storefront.code}/"),
        ("search", f"/s/{storefront.code}/search/?q=book"),
        ("cart", f"/s/{storefront.code}/cart/"),
    ):
        step(name, get(anonymous, path))
    portal = Client()
    portal.force_login(owner)
    step("portal", get(portal, "/sell/shop/"), "Version one")

    # Replay paused: the replica keeps what it has; the primary moves on.
    replica_sql("SELECT pg_wal_replay_pause()")
    writer = Client()
    writer.force_login(owner)
    posted = writer.post("/sell/shop/", {**SHOP_FORM, "description": "Version two"})
    results["post"] = {"status": posted.status_code, "pin_cookie": "galerie_primary" in posted.cookies}
    step("writer_after_write", get(writer, shop), *marks)
    step("anonymous_while_paused", get(anonymous, shop), *marks)
    reader = Client()
    reader.force_login(customer_user)
    step("other_signed_in_while_paused", get(reader, shop), *marks)
    other_device = Client()
    other_device.force_login(owner)  # the writer elsewhere: no pin cookie, the account's marker
    step("writer_other_device", get(other_device, shop), *marks)

    # In one scope: a read from the replica, a write (to the primary: the replica is read-only),
    # then every read of the scope from the primary.
    from galerie.sellers.models import Seller

    with replicas.reads_allowed() as scope:
        loaded = Seller.objects.get(pk=seller.pk)
        before = {"db": loaded._state.db, "description": loaded.description}
        loaded.description = "Version three"
        loaded.save(update_fields=["description"])
        after = Seller.objects.get(pk=seller.pk)
        results["scope"] = {
            "first_read": before,
            "after_write": {"db": after._state.db, "description": after.description},
            "wrote": scope.wrote,
        }
    with replicas.reads_allowed(), transaction.atomic():
        results["in_transaction_db"] = Seller.objects.get(pk=seller.pk)._state.db
    try:
        Seller.objects.using(REPLICA).filter(pk=seller.pk).update(description="written to the replica")
        results["replica_write"] = "accepted"
    except DatabaseError as error:
        results["replica_write"] = str(error).splitlines()[0]

    replica_sql("SELECT pg_wal_replay_resume()")
    caught_up = wait_until(lambda: "Version three" in get(anonymous, shop)["body"])
    results["caught_up_after_resume"] = caught_up
    step("anonymous_after_resume", get(anonymous, shop), *marks)

    # A replica that lags more than allowed is skipped.
    with override_settings(GALERIE_REPLICA_MAX_LAG_SECONDS=0.3):
        replica_sql("SELECT pg_wal_replay_pause()")
        Seller.objects.filter(pk=seller.pk).update(description="Version four")
        time.sleep(0.5)
        results["lag_seen"] = replicas.replica_lag()
        results["usable_while_lagging"] = replicas.replica_usable(fresh=True)
        step("anonymous_while_lagging", get(anonymous, shop), *marks)
        replica_sql("SELECT pg_wal_replay_resume()")
    assert wait_until(lambda: replicas.replica_lag() == 0.0), "the replica did not catch up"
    results["usable_after_catch_up"] = replicas.replica_usable(fresh=True)

    # The same public page from the replica and from the primary (a pinned browser), page cache
    # off: 60 requests each, interleaved (the machine's load falls on both alike), median wall
    # time. Shows it works, not that one is faster.
    pinned = Client()
    pinned.cookies["galerie_primary"] = "1"
    clients = {"replica": anonymous, "primary": pinned}
    times: dict[str, list[float]] = {name: [] for name in clients}
    counts = {}
    for round_ in range(65):
        for name, client in clients.items():
            start = time.perf_counter()
            page = get(client, shop)
            if round_ >= 5:  # the first five warm up
                times[name].append(time.perf_counter() - start)
            counts[name] = page["replica"]
    timings = {
        name: {"median_ms": round(statistics.median(times[name]) * 1000, 2), "replica_queries": counts[name]}
        for name in clients
    }
    results["timings"] = timings

    # The replica stops while this process holds a connection to it and still trusts its last
    # check: the page fails on the replica, and is rendered again on the primary.
    assert replicas.replica_usable(fresh=True)
    step("before_stop", get(anonymous, shop), *marks)
    stop = json.loads(os.environ["REPLICA_STOP"])
    subprocess.run(stop, check=True, capture_output=True, timeout=30)
    start = time.perf_counter()
    step("first_after_stop", get(anonymous, shop), *marks)
    results["first_after_stop"]["ms"] = round((time.perf_counter() - start) * 1000, 1)
    start = time.perf_counter()
    step("second_after_stop", get(anonymous, shop), *marks)
    results["second_after_stop"]["ms"] = round((time.perf_counter() - start) * 1000, 1)
    results["usable_after_stop"] = replicas.replica_usable(fresh=True)


if __name__ == "__main__":
    main()
    json.dump(results, sys.stdout)
