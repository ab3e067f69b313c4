"""The replica router's rules, without a replica (tests/web/test_read_replica.py has a real one)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, transaction

from galerie.accounts.models import User
from galerie.core import replicas
from galerie.core.replicas import REPLICA, ReplicaRouter
from galerie.sellers.models import Seller

router = ReplicaRouter()


@pytest.fixture
def healthy(monkeypatch):
    """The replica's health check answers "usable" (the real check needs a real replica)."""
    monkeypatch.setattr(replicas, "replica_usable", lambda **_: True)


def test_outside_a_scope_every_read_goes_to_the_primary(healthy):
    assert router.db_for_read(Seller) == DEFAULT_DB_ALIAS


def test_in_a_scope_reads_go_to_the_replica_until_the_first_write(healthy):
    with replicas.reads_allowed() as scope:
        assert router.db_for_read(Seller) == REPLICA and scope.used
        assert router.db_for_write(Seller) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Seller) == DEFAULT_DB_ALIAS and scope.wrote
    assert replicas.current_scope() is None


@pytest.mark.django_db
def test_a_transaction_on_the_primary_pins_the_rest_of_the_scope(healthy):
    with replicas.reads_allowed() as scope:
        with transaction.atomic():
            assert router.db_for_read(Seller) == DEFAULT_DB_ALIAS
        assert scope.wrote and router.db_for_read(Seller) == DEFAULT_DB_ALIAS


def test_sessions_and_users_are_always_read_on_the_primary(healthy):
    with replicas.reads_allowed():
        assert router.db_for_read(Session) == DEFAULT_DB_ALIAS
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Seller) == REPLICA


def test_an_unusable_replica_sends_the_scope_to_the_primary(monkeypatch):
    calls = []
    monkeypatch.setattr(replicas, "replica_usable", lambda **_: calls.append(1) or False)
    with replicas.reads_allowed() as scope:
        assert router.db_for_read(Seller) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Seller) == DEFAULT_DB_ALIAS
        assert not scope.used
    assert calls == [1]  # looked up once per scope


def test_objects_of_either_database_may_refer_to_each_other_and_the_replica_is_never_migrated():
    on_primary, on_replica, elsewhere = Seller(), Seller(), Seller()
    on_primary._state.db, on_replica._state.db, elsewhere._state.db = DEFAULT_DB_ALIAS, REPLICA, "other"
    assert router.allow_relation(on_primary, on_replica) is True
    assert router.allow_relation(on_primary, elsewhere) is None
    assert router.allow_migrate(REPLICA, "sellers") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "sellers") is None


def _settings_error(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL"}}
    code = "import galerie.settings"
    out = subprocess.run(
        [sys.executable, "-c", code], env={**environ, **env}, capture_output=True, text=True, check=False
    )
    assert out.returncode != 0
    return out.stderr.strip().splitlines()[-1]


def test_a_replica_is_refused_without_postgresql():
    error = _settings_error(DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/galerie")
    assert "ImproperlyConfigured: DATABASE_REPLICA_URL is for a PostgreSQL streaming replica" in error
    assert "DATABASE_URL is django.db.backends.sqlite3" in error


def test_a_pin_shorter_than_the_lag_is_refused():
    error = _settings_error(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/galerie",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/galerie",
        GALERIE_REPLICA_MAX_LAG_SECONDS="5",
        GALERIE_REPLICA_PIN_SECONDS="6",
    )
    assert "GALERIE_REPLICA_PIN_SECONDS (6) must be at least GALERIE_REPLICA_MAX_LAG_SECONDS (5)" in error
