"""`galerie serve --server`: each app server's command line, and the choice by GALERIE_SERVER.

That each one really serves (and stops on SIGINT and SIGTERM) is run by bench/appservers.py and,
for the default, by tests/deploy/test_nginx.py and tests/core/test_production.py."""

import itertools

import pytest
from django.core.management.base import CommandError

from galerie.web.management.commands.serve import DEFAULT_SERVER, SERVERS, server_argv

WSGI, ASGI = "galerie.wsgi:application", "galerie.asgi:application"


@pytest.mark.parametrize(
    ("server", "module", "target", "options"),
    [
        ("gunicorn-sync", "gunicorn", WSGI, {"--worker-class": "sync", "--threads": "1"}),
        ("gunicorn-gthread", "gunicorn", WSGI, {"--worker-class": "gthread", "--threads": "3"}),
        ("granian-wsgi", "granian", WSGI, {"--interface": "wsgi", "--blocking-threads": "3"}),
        ("granian-asgi", "granian", ASGI, {"--interface": "asginl", "--blocking-threads": "1"}),
        ("uvicorn", "uvicorn", ASGI, {"--lifespan": "off"}),
    ],
)
def test_each_server_runs_galeries_application_on_the_bind_with_the_workers(server, module, target, options):
    argv = server_argv(server, bind="127.0.0.1:8123", workers=5, threads=3)
    assert argv[1:4] == ["-m", module, target]
    given = dict(itertools.pairwise(argv))  # each option with the word after it
    assert given["--workers"] == "5"
    bound = given.get("--bind") or f"{given['--host']}:{given['--port']}"
    assert bound == "127.0.0.1:8123"
    for option, value in options.items():
        assert given[option] == value


def test_every_server_is_named_and_the_default_is_one_of_them():
    assert DEFAULT_SERVER in SERVERS and len(set(SERVERS)) == 5


def test_a_bind_without_a_port_or_an_unknown_server_is_refused_by_name():
    with pytest.raises(CommandError, match="host:port"):
        server_argv("uvicorn", bind="localhost", workers=1, threads=1)
    with pytest.raises(CommandError, match="gunicorn-sync"):
        server_argv("waitress", bind="127.0.0.1:1", workers=1, threads=1)


def test_an_unknown_galerie_server_is_refused_before_anything_starts(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("GALERIE_SERVER", "waitress")
    with pytest.raises(CommandError, match="GALERIE_SERVER='waitress'"):
        call_command("serve", no_collectstatic=True)
