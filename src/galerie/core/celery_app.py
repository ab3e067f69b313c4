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

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")

app = Celery("galerie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["galerie.core.tasks"]


@signals.beat_init.connect
def _beat_schedule(sender: Any = None, **kwargs: Any) -> None:
    # Before beat builds its scheduler: one entry per periodic job, from the apps' jobs modules.
    import django

    django.setup()
    from galerie.core.tasks import beat_schedule

    app.conf.beat_schedule = {**app.conf.beat_schedule, **beat_schedule()}
