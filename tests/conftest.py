"""Shared fixtures and the rule for tests that need a real service.

A test marked ``postgres`` needs PostgreSQL (DATABASE_URL), one marked ``redis`` needs Redis
(REDIS_URL). Under CI=true a missing service fails the test; elsewhere it is skipped with the
reason. The SQLite pass of `make test` leaves PostgreSQL tests to the PostgreSQL pass after it.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.db import connection


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_and_static(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache (only Galerie's keys when the cache is Redis)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        if _ci():
            pytest.fail("CI=true but REDIS_URL is not set: this test needs Redis")
        pytest.skip("needs Redis: set REDIS_URL=redis://…")
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        if os.environ.get("GALERIE_POSTGRES_PASS") == "follows":
            pytest.skip("runs in the PostgreSQL pass of `make test`")
        if _ci():
            pytest.fail("CI=true but DATABASE_URL does not point at PostgreSQL: this test needs it")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
