"""`galerie worker`: deliver outbox events (e-mails …) and run the periodic jobs; with a broker
(``GALERIE_BROKER_URL``), relay the events to the Celery workers instead (docs/celery.md)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from galerie.core.delivery import handlers_autodiscover, worker_run
from galerie.core.relay import delivery_by_celery, relay_run

logger = logging.getLogger("galerie.core.delivery")


class Command(BaseCommand):
    help = (
        "Deliver outbox events to their handlers (at least once, lowest id first) and run the"
        " periodic jobs. Several workers may run at once. SIGTERM or Ctrl-C stops it cleanly. With"
        " GALERIE_BROKER_URL set, publish the events to Celery instead (the relay): Celery workers"
        " deliver them and beat runs the jobs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due, run every job once, then exit."
        )
        parser.add_argument("--batch", type=int, default=100, help="Events claimed at a time (100).")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds to wait when nothing is due (1.0)."
        )
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="Deliver events only, run no periodic job (when other workers run them).",
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        batch: int,
        sleep: float,
        no_jobs: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        if batch < 1 or sleep < 0:
            self.stderr.write("--batch must be at least 1 and --sleep at least 0.")
            raise SystemExit(2)
        if verbosity >= 1 and logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)  # one line per batch, whatever LOG_LEVEL says
        stop = threading.Event()
        previous = self._install_signal_handlers(stop)
        if delivery_by_celery():
            try:
                relayed = relay_run(once=once, batch=batch, sleep=sleep, stop=stop)
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
            self.stdout.write(f"relay stopped: {relayed}")
            return
        try:
            summary = worker_run(
                handlers_autodiscover(),
                once=once,
                batch=batch,
                sleep=sleep,
                stop=stop,
                jobs={} if no_jobs else None,
            )
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(f"worker stopped: {summary}")

    def _install_signal_handlers(self, stop: threading.Event) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}  # signals reach the main thread only (tests run workers in threads)

        def request_stop(signum: int, frame: Any) -> None:
            if stop.is_set():
                raise SystemExit(128 + signum)  # a second signal: stop now
            logger.warning("%s: stopping after the current event", signal.Signals(signum).name)
            stop.set()

        return {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}
