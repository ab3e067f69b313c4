"""`galerie serve`: run Galerie as in production, with gunicorn.

It refuses to start with a setting production must not run with (galerie.core.production: DEBUG,
the test payment gateway, the demo's operator IBAN) unless that risk's own override is set;
``galerie demo`` serves the demo through it with ``--demo``."""

import argparse
import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from galerie.core.production import production_refusals


def recommended_workers() -> int:
    """Two processes per core: one computes while the other waits on the database."""
    return 2 * (os.cpu_count() or 1)


class Command(BaseCommand):
    help = "Serve Galerie with gunicorn (static files by WhiteNoise, DEBUG off unless set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("GALERIE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("GALERIE_WORKERS", 0)) or recommended_workers()
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("GALERIE_THREADS", 2)))
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="Static files are already collected."
        )
        # `galerie demo` only: the demo runs the test gateway and the demo's IBAN on purpose.
        parser.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    def handle(
        self, *args, bind: str, workers: int, threads: int, no_collectstatic: bool, demo: bool, **options
    ) -> None:
        if not demo and (refusals := production_refusals()):
            lines = [f"{r.msg}\n  {r.hint} ({r.id})" for r in refusals]
            raise CommandError("Galerie will not serve production like this:\n" + "\n".join(lines))
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Galerie on http://{bind}/ — {workers} workers × {threads} threads. Ctrl-C stops.")
        sys.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "galerie.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
        ]
        os.execv(sys.executable, argv)
