"""The Celery application: ``celery -A galerie worker`` and ``celery -A galerie beat``.

Used only when ``GALERIE_BROKER_URL`` names a broker (docs/celery.md): ``galerie worker`` then
relays committed outbox events to the ``galerie`` queue (core/relay.py), Celery workers deliver
them with the outbox's own handlers, retries and dead letters (core/tasks.py), and beat runs the
periodic jobs every app registers in its ``jobs`` module, on the schedule they declare.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")

app = Celery("galerie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["galerie.core.tasks"]


class JobsScheduler(PersistentScheduler):
    """Beat's scheduler with one entry per periodic job of the apps' ``jobs`` modules, each due at
    once the first time beat meets it (as ``galerie worker`` runs every job when it starts), then
    every ``every_seconds``; the file under ``GALERIE_VAR_DIR`` keeps the last runs across restarts."""

    def setup_schedule(self) -> None:
        import django

        django.setup()
        from galerie.core.tasks import JOB, beat_schedule

        # The jobs registered now, and only those (a job gone from the code leaves the schedule).
        others = {k: v for k, v in self.app.conf.beat_schedule.items() if not k.startswith(f"{JOB}:")}
        self.app.conf.beat_schedule = {**others, **beat_schedule()}
        super().setup_schedule()


# Every task's log lines carry its id as their request id (core/requestid.py), unless the work
# inside binds its own: a delivery runs each event's handlers under the id of the request that wrote it.
_bound: dict[str, Any] = {}


@signals.task_prerun.connect
def _bind_request_id(task_id: str = "", **kwargs: Any) -> None:
    from galerie.core.requestid import request_id_bound

    binding = request_id_bound(task_id)
    binding.__enter__()
    _bound[task_id] = binding


@signals.task_postrun.connect
def _unbind_request_id(task_id: str = "", **kwargs: Any) -> None:
    if (binding := _bound.pop(task_id, None)) is not None:
        binding.__exit__(None, None, None)
