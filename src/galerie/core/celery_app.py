"""The Celery application: ``celery -A galerie worker`` and ``celery -A galerie beat``.

Used only when ``GALERIE_BROKER_URL`` names a broker (docs/celery.md): ``galerie worker`` then
relays committed outbox events to the ``galerie`` queue (core/relay.py), Celery workers deliver
them with the outbox's own handlers, retries and dead letters (core/tasks.py), and beat runs the
periodic jobs every app registers in its ``jobs`` module, on the schedule they declare.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")

app = Celery("galerie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["galerie.core.tasks"]


class JobsScheduler(PersistentScheduler):  # type: ignore[misc]  # celery has no types
    """Beat's scheduler: one entry per periodic job, from the apps' jobs modules, besides the
    configured ones.

    Read when the scheduler sets up its schedule: beat builds its scheduler before it sends
    ``beat_init`` (``Service.start`` reads ``scheduler.max_interval`` first), so a schedule set
    on that signal comes too late and beat would send nothing.
    """

    def setup_schedule(self) -> None:
        import django

        django.setup()
        from galerie.core.tasks import beat_schedule

        self.app.conf.beat_schedule = {**self.app.conf.beat_schedule, **beat_schedule()}
        super().setup_schedule()


app.conf.beat_scheduler = f"{__name__}:JobsScheduler"
