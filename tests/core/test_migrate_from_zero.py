"""Every migration runs on an empty database, on both engines.

The suite builds its tables from the models (``--no-migrations``), so nothing else runs the
migrations in order: a migration that calls today's code (``backend_install``) once created an
index on a column a later migration adds, and `galerie migrate` failed on a new PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection


def _migrate(tmp_path, database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ, "DATABASE_URL": database_url, "GALERIE_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "galerie.settings",
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "galerie.cli", "migrate", "--no-input", "-v", "0"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_sqlite_migrates_from_zero(tmp_path):
    done = _migrate(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_migrates_from_zero_with_the_search_engine_objects(tmp_path):
    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = f"galerie_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        done = _migrate(tmp_path, f"{server}/{name}")
        assert done.returncode == 0, done.stderr[-2000:]
        with psycopg.connect(f"{server}/{name}") as fresh:
            rows = fresh.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'search_searchentry'")
            indexes = {row[0] for row in rows}
        assert {"search_entry_values_gin", "search_entry_document_gin"} <= indexes
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
