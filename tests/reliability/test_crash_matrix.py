"""The crash matrix (docs/reliability.md): at every named crash point a real process is killed
with SIGKILL, then restarted (``galerie reconcile --all-due`` and the worker, in a fresh
process), and nothing is lost: every promise of tests/reliability/invariants.py holds and the
world ends as the matrix says.

On PostgreSQL, with the real test gateway (its own tables, its webhooks). The table in
docs/reliability.md is what this run observed; after changing a scenario or a crash point,
regenerate it with ``GALERIE_WRITE_RELIABILITY=1 pytest tests/reliability/test_crash_matrix.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from galerie.core.crashpoints import CRASH_POINTS
from tests.reliability.invariants import violations
from tests.reliability.scenarios import SCENARIOS, end_state

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- crash-matrix:start -->", "<!-- crash-matrix:end -->"
REGENERATE = "GALERIE_WRITE_RELIABILITY=1 pytest tests/reliability/test_crash_matrix.py"
OBSERVED: dict[str, str] = {}  # crash point -> end state, as this run saw it


def _child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "GALERIE_CRASH_AT"}
    return {
        **env, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "GALERIE_VAR_DIR": str(tmp_path / "var"), "MEDIA_ROOT": str(tmp_path / "media"),
        # The files this process stored are where its private storage looks (tests/conftest.py).
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"), "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LOG_LEVEL": "CRITICAL", "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        **extra,
    }  # fmt: skip


def _child(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.child", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _dead_sessions_gone() -> None:
    """Wait until PostgreSQL has ended the killed process's sessions (and released their locks):
    closing a socket does not wait for the server process; a restart could find its locks held."""
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


def _points() -> list[str]:
    """Every crash point, or those GALERIE_CRASH_POINTS names (comma-separated), to debug one."""
    chosen = [p.strip() for p in os.environ.get("GALERIE_CRASH_POINTS", "").split(",") if p.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    assert not unknown, f"GALERIE_CRASH_POINTS names no scenario: {sorted(unknown)}"
    return chosen or list(SCENARIOS)


def _kill_and_restart(point: str, tmp_path: Path) -> list[str]:
    """Build the point's world, kill a process there, restart; return what went wrong."""
    scenario = SCENARIOS[point]
    world = scenario.prepare()
    initial_stock, env = world.pop("stock"), world.pop("env", {})
    killed = _child("act", point, json.dumps(world), env=_child_env(tmp_path, GALERIE_CRASH_AT=point, **env))
    if killed.returncode != -signal.SIGKILL:
        return [f"not killed (exit {killed.returncode}): {killed.stderr[-2000:]}"]
    _dead_sessions_gone()
    restarted = _child("restart", env=_child_env(tmp_path, **env))
    if restarted.returncode != 0:
        return [f"the restart failed: {restarted.stderr[-2000:]}"]
    # The whole database: the worlds of the points before this one must still be whole too.
    problems = violations(initial_stock=initial_stock)
    OBSERVED[point] = end_state(world)
    if OBSERVED[point] != scenario.expected:
        problems.append(f"ended as “{OBSERVED[point]}”, expected “{scenario.expected}”")
    return problems


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_process_killed_at_any_crash_point_loses_nothing(tmp_path):
    """One database for all the points, one after the other (a flush per point would cost more
    than the point): each point's world is its own; the invariants are checked over all of them."""
    failures = {}
    trials = int(os.environ.get("GALERIE_CRASH_TRIALS", "1"))  # more, to hunt a rare one
    for trial in range(1, trials + 1):
        for point in _points():
            started = time.monotonic()
            if problems := _kill_and_restart(point, tmp_path):
                failures[f"{point} (trial {trial})"] = problems
            print(f"{point} (trial {trial}): {time.monotonic() - started:.1f} s, {len(problems)} problems")
    assert failures == {}


def test_every_crash_point_is_registered_used_and_exercised():
    used = set()
    for path in (ROOT / "src" / "galerie").rglob("*.py"):
        used.update(re.findall(r"""crash_point\(\s*["']([^"']+)["']\s*\)""", path.read_text()))
    assert used == set(CRASH_POINTS), "used in the code vs registered in galerie/core/crashpoints.py"
    assert set(SCENARIOS) == set(CRASH_POINTS), "a scenario for each crash point, no other"


def _table() -> str:
    rows = [
        "| Crash point | Killed while | Left when it died | After restart (observed) |",
        "|---|---|---|---|",
    ]
    for point, scenario in SCENARIOS.items():
        observed = OBSERVED.get(point, scenario.expected)
        rows.append(f"| `{point}` | {scenario.story} | {CRASH_POINTS[point]} | {observed} |")
    return "\n".join(rows)


def test_the_reliability_doc_shows_the_matrix_this_run_observed():
    """Last in the file: the points not run here (deselected, or no PostgreSQL) are shown as
    expected, which their own test checks is what happens."""
    text = DOC.read_text()
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    wanted = f"{head}{START}\n{_table()}\n{END}{tail}"
    if os.environ.get("GALERIE_WRITE_RELIABILITY"):
        DOC.write_text(wanted)
        return
    assert text == wanted, f"docs/reliability.md is not the matrix the run observed: {REGENERATE}"
