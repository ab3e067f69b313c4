"""Shared fixtures and the rule for tests that need a real service.

A test marked ``postgres`` needs PostgreSQL (DATABASE_URL), one marked ``redis`` needs Redis
(REDIS_URL), one marked ``replica`` builds its own PostgreSQL primary and replica, one marked
``rabbitmq`` needs RabbitMQ (RABBITMQ_URL, by default amqp://guest:guest@127.0.0.1:5672//,
answering), one marked ``nginx`` the nginx binary. Under CI=true a missing service fails the
test; elsewhere it is skipped with the reason. The SQLite pass of `make test` leaves PostgreSQL
tests (and replica ones) to the PostgreSQL pass after it.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from galerie.ledger.guards import guards_install
from galerie.search.backends import backend_install


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Add to the test database the objects that migrations install beside the models' tables.

    The suite builds its tables from the models (``--no-migrations``); the ledger's and the search
    engine's database-specific objects come from the same functions their migrations call.
    """
    with django_db_blocker.unblock():
        guards_install(connection)
        backend_install(connection)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    """The shared page cache, as in production: a test runs in one process (and its live
    server in a thread of it), so even the local-memory cache is shared by all it serves."""
    settings.PAGE_CACHE = True


@pytest.fixture(autouse=True)
def _media_and_static(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


def cache_empty() -> None:
    """Empty the cache (only this run's keys when the cache is Redis)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache."""
    cache_empty()


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the site's default language, as a new process does: a request served
    in French leaves French active in the thread, and a command run next would answer in it."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "replica: builds its own PostgreSQL primary and streaming replica (server binaries, not"
        " DATABASE_URL); runs once, in the PostgreSQL pass of `make test`",
    )
    config.addinivalue_line(
        "markers", "rabbitmq: needs RabbitMQ (RABBITMQ_URL); fails under CI=true when it does not answer"
    )
    config.addinivalue_line(
        "markers", "nginx: needs nginx (on PATH or /usr/sbin); fails under CI=true without"
    )


def _rabbitmq_answers() -> bool:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//"))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=2):
            return True
    except OSError:
        return False


def _nginx_found() -> bool:
    import shutil

    return bool(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("replica") and os.environ.get("GALERIE_POSTGRES_PASS") == "follows":
        pytest.skip("runs in the PostgreSQL pass of `make test`")
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
    if item.get_closest_marker("rabbitmq") and not _rabbitmq_answers():
        if _ci():
            pytest.fail("CI=true but RabbitMQ (RABBITMQ_URL, default 127.0.0.1:5672) does not answer")
        pytest.skip("needs RabbitMQ: set RABBITMQ_URL=amqp://… or start it on 127.0.0.1:5672")
    if item.get_closest_marker("nginx") and not _nginx_found():
        if _ci():
            pytest.fail("CI=true but nginx is not installed: this test needs it")
        pytest.skip("needs nginx")


class _Inbox:
    """What a real SMTP server (aiosmtpd) received, parsed."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_inbox(settings):
    """Start an SMTP server on a free local port and send the site's e-mail to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()
