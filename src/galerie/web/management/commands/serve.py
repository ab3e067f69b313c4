"""`galerie serve`: run Galerie as in production, with one of the measured app servers.

It refuses to start with a setting production must not run with (galerie.core.production: DEBUG,
the test payment gateway, the demo's operator IBAN) unless that risk's own override is set;
``galerie demo`` serves the demo through it with ``--demo``.

The server replaces this process (``exec``): Ctrl-C or SIGTERM reach the server's own master,
which stops its workers. Which server, and why it is the default: docs/app-servers.md.
"""

import argparse
import os
import re
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from galerie.core.metrics import MULTIPROC_ENV, metrics_multiprocess_prepare
from galerie.core.production import production_refusals

# The app servers `galerie serve` can run, each measured by `galerie bench --servers`
# (docs/performance.md, "App servers"). WSGI: gunicorn's sync and gthread workers, granian's WSGI
# interface. ASGI (galerie.asgi, Django's sync views in a thread): uvicorn, granian's ASGI interface.
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian-wsgi", "granian-asgi", "uvicorn")
ASGI_SERVERS = ("granian-asgi", "uvicorn")
DEFAULT_SERVER = "gunicorn-gthread"  # why not granian-wsgi, faster here: docs/app-servers.md
TIMEOUT_S = 30  # gunicorn kills a worker stuck longer on one request (granian has no such option)
GRACE_S = 10  # on SIGTERM, requests in flight get this long to finish


def recommended_workers() -> int:
    """Two processes per core: one computes while the other waits on the database."""
    return 2 * (os.cpu_count() or 1)


def server_argv(server: str, *, bind: str, workers: int, threads: int) -> list[str]:
    """The command line that runs ``server`` on ``bind`` (host:port)."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"--bind takes host:port, not {bind!r}")
    python = [sys.executable, "-m"]
    if server.startswith("gunicorn"):
        worker_class = "gthread" if server == "gunicorn-gthread" else "sync"
        return [
            *python, "gunicorn", "galerie.wsgi:application", "--bind", bind,
            "--workers", str(workers), "--threads", str(threads if worker_class == "gthread" else 1),
            "--worker-class", worker_class, "--timeout", str(TIMEOUT_S),
            "--graceful-timeout", str(GRACE_S), "--log-level", "warning",
        ]  # fmt: skip
    if server.startswith("granian"):
        wsgi = server == "granian-wsgi"
        target = "galerie.wsgi:application" if wsgi else "galerie.asgi:application"
        interface = "wsgi" if wsgi else "asginl"  # ASGI without lifespan: Django has none
        return [
            *python, "granian", target, "--interface", interface, "--host", host, "--port", port,
            "--workers", str(workers), "--blocking-threads", str(threads if wsgi else 1),
            "--no-ws", "--workers-kill-timeout", str(GRACE_S), "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
    if server == "uvicorn":
        return [
            *python, "uvicorn", "galerie.asgi:application", "--host", host, "--port", port,
            "--workers", str(workers), "--lifespan", "off", "--no-access-log",
            "--log-level", "warning", "--timeout-graceful-shutdown", str(GRACE_S),
        ]  # fmt: skip
    raise CommandError(f"--server: one of {', '.join(SERVERS)}")


class Command(BaseCommand):
    help = "Serve Galerie as in production (static files by WhiteNoise, DEBUG off unless set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("GALERIE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default=os.environ.get("GALERIE_SERVER") or DEFAULT_SERVER,
            help=f"The app server (default {DEFAULT_SERVER}, or GALERIE_SERVER).",
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("GALERIE_WORKERS", 0)) or recommended_workers()
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("GALERIE_THREADS", 2)),
            help="Threads per worker (gunicorn-gthread; granian-wsgi's blocking threads).",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="Static files are already collected."
        )
        # `galerie demo` only: the demo runs the test gateway and the demo's IBAN on purpose.
        parser.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    def handle(
        self, *args, bind: str, server: str, workers: int, threads: int, no_collectstatic: bool, demo: bool,
        **options,
    ) -> None:  # fmt: skip
        if server not in SERVERS:  # GALERIE_SERVER is not checked by argparse's choices
            raise CommandError(f"GALERIE_SERVER={server!r}: one of {', '.join(SERVERS)}")
        if not demo and (refusals := production_refusals()):
            lines = [f"{r.msg}\n  {r.hint} ({r.id})" for r in refusals]
            raise CommandError("Galerie will not serve production like this:\n" + "\n".join(lines))
        argv = server_argv(server, bind=bind, workers=workers, threads=threads)
        if server in ASGI_SERVERS:
            # Django runs each ASGI request's sync code in a thread of its own: a connection kept
            # open past the request would stay with a thread that is gone, until PostgreSQL runs
            # out of connections. One connection per request, closed at its end.
            os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
        # /metrics adds up the counts of every worker process (docs/metrics.md): a folder of this
        # server's own (one per bind address), emptied of a previous run's, unless one is given.
        folder = os.environ.get(MULTIPROC_ENV) or str(
            Path(settings.VAR_DIR) / "metrics" / re.sub(r"[^A-Za-z0-9]+", "-", bind).strip("-")
        )
        os.environ.update(metrics_multiprocess_prepare(Path(folder)))
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Galerie on http://{bind}/ — {server}, {workers} workers. Ctrl-C stops.")
        sys.stdout.flush()
        os.execv(sys.executable, argv)
