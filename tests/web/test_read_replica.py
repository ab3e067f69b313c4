"""Galerie on a real PostgreSQL primary and streaming replica (docs/read-replicas.md).

The test builds the pair itself on loopback (tests/web/replica_cluster.py), then runs
tests/web/replica_scenario.py in a process whose DATABASE_URL is the primary and
DATABASE_REPLICA_URL the replica, and asserts on what each step showed and which database
answered it. Replay is paused on the replica to make it visibly stale: a public page that shows
the old text was read there. It runs once, in the PostgreSQL pass of `make test` (it needs the
PostgreSQL server binaries, not DATABASE_URL); under CI=true a pair that cannot be built fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.web.replica_cluster import ClusterError, build

pytestmark = pytest.mark.replica
ROOT = Path(__file__).resolve().parents[2]
OLD, WRITTEN, SAVED_IN_SCOPE, WRITTEN_WHILE_LAGGING = (
    "Version one",
    "Version two",
    "Version three",
    "Version four",
)


@pytest.fixture(scope="module")
def run() -> dict:
    """Build the pair, run the scenario against it, remove the pair; return the scenario's record."""
    try:
        cluster = build()
    except (ClusterError, OSError, subprocess.SubprocessError) as error:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI=true but the PostgreSQL primary/replica pair could not be built: {error}")
        pytest.skip(f"cannot build a PostgreSQL primary/replica pair here: {error}")
    var = tempfile.mkdtemp(prefix="galerie-replica-var-")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "GALERIE_PAGE_CACHE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=cluster.url("primary"),
        DATABASE_REPLICA_URL=cluster.url("replica"),
        # Replay is paused for several seconds while the stale reads are shown: a lag budget longer
        # than that, and a pin at least as long (the settings refuse a shorter one).
        GALERIE_REPLICA_MAX_LAG_SECONDS="60",
        GALERIE_REPLICA_PIN_SECONDS="70",
        GALERIE_PAGE_CACHE="0",  # every page rendered: what it shows is what the database held
        GALERIE_VAR_DIR=var,
        SECRET_KEY="replica-test-" + "x" * 40,
        REPLICA_STOP=json.dumps(cluster.stop_command("replica")),
    )
    try:
        out = subprocess.run(
            [sys.executable, "-m", "tests.web.replica_scenario"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        cluster.destroy()
        shutil.rmtree(var, ignore_errors=True)
    assert out.returncode == 0, f"the scenario failed:\n{out.stderr[-6000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_public_page_reads_the_replica(run):
    step = run["caught_up"]
    assert step["status"] == 200 and step["shows"] == [OLD]
    assert step["replica_queries"] >= 3  # the storefront, the seller, its ratings (and the check)
    # What stays on the primary: the storefront middleware's host lookup, outside the view.
    assert all("storefronts_storefronthost" in sql for sql in step["primary_reads"])


def test_the_other_public_pages_read_it_and_the_private_ones_do_not(run):
    for name in ("home", "search"):
        assert run[name]["status"] == 200 and run[name]["replica_queries"] >= 1, name
    for name in ("cart", "portal"):
        assert run[name]["status"] == 200 and run[name]["replica_queries"] == 0, name
        assert run[name]["primary_reads"], name
    assert run["portal"]["shows"] == [OLD]


def test_the_writer_sees_their_write_while_others_read_the_stale_replica(run):
    assert run["post"] == {"status": 302, "pin_cookie": True}
    writer = run["writer_after_write"]
    assert writer["shows"] == [WRITTEN] and writer["replica_queries"] == 0
    # Replay is paused: everyone else still reads the replica, which has not seen the write.
    for name in ("anonymous_while_paused", "other_signed_in_while_paused"):
        assert run[name]["status"] == 200 and run[name]["shows"] == [OLD], name
        assert run[name]["replica_queries"] >= 3, name
    # Sessions and users are read on the primary even for a page that reads the replica.
    assert all(
        "django_session" in sql or "accounts_user" in sql
        for sql in run["other_signed_in_while_paused"]["primary_reads"]
    )
    # The writer on another device (no pin cookie there): the account's marker pins it.
    other_device = run["writer_other_device"]
    assert other_device["shows"] == [WRITTEN] and other_device["replica_queries"] == 0


def test_writes_go_to_the_primary_and_pin_the_rest_of_the_scope(run):
    scope = run["scope"]
    assert scope["first_read"] == {"db": "replica", "description": OLD}  # replay still paused
    # Saved an object read from the replica: it went to the primary (the replica refuses writes)…
    assert run["replica_write"] == "cannot execute UPDATE in a read-only transaction"
    # …and the next read of the same scope came from the primary, with the write.
    assert scope["after_write"] == {"db": "default", "description": SAVED_IN_SCOPE} and scope["wrote"]
    assert run["in_transaction_db"] == "default"


def test_the_replica_catches_up_once_replay_resumes(run):
    assert run["caught_up_after_resume"] is True
    step = run["anonymous_after_resume"]
    assert step["shows"] == [SAVED_IN_SCOPE] and step["replica_queries"] >= 3 and step["primary_reads"] == []


def test_a_lagging_replica_is_skipped(run):
    assert run["lag_seen"] > 0.3 and run["usable_while_lagging"] is False
    step = run["anonymous_while_lagging"]
    assert step["shows"] == [WRITTEN_WHILE_LAGGING] and step["replica_queries"] == 0
    assert run["usable_after_catch_up"] is True


def test_a_stopped_replica_falls_back_to_the_primary(run):
    assert run["before_stop"]["replica_queries"] >= 3
    # The process still trusted its last check: the page failed on the replica and was rendered
    # again on the primary, once; the next page goes to the primary straight away.
    first, second = run["first_after_stop"], run["second_after_stop"]
    assert first["status"] == 200 and first["shows"] == [WRITTEN_WHILE_LAGGING]
    assert first["primary_reads"] and second["status"] == 200 and second["replica_queries"] == 0
    assert second["shows"] == [WRITTEN_WHILE_LAGGING]
    assert run["usable_after_stop"] is False


def test_the_same_page_from_either_database(run):
    timings = run["timings"]
    assert timings["replica"]["replica_queries"] >= 3 and timings["primary"]["replica_queries"] == 0
    replica, primary = timings["replica"]["median_ms"], timings["primary"]["median_ms"]
    print(f"\nshop page, median of 60: replica {replica} ms, primary {primary} ms")
