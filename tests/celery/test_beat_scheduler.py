"""Beat's own scheduler holds every periodic job: the scheduler `celery beat` builds from the settings,
not only the class (a schedule set on ``beat_init`` came after beat had read an empty one)."""

from __future__ import annotations

from celery.beat import Service

from galerie.core.celery_app import JobsScheduler, app
from galerie.core.delivery import jobs_autodiscover
from galerie.core.tasks import JOB


def test_the_scheduler_beat_starts_holds_every_periodic_job(tmp_path):
    # As `celery -A galerie beat` builds it (celery.apps.beat.Beat: the configured scheduler).
    service = Service(
        app=app, scheduler_cls=app.conf.beat_scheduler, schedule_filename=str(tmp_path / "beat-schedule")
    )

    scheduler = service.scheduler  # as Service.start builds it, before beat_init is sent

    assert isinstance(scheduler, JobsScheduler)
    scheduled = {entry.args[0] for entry in scheduler.schedule.values() if entry.task == JOB}
    assert scheduled == set(jobs_autodiscover())
    scheduler.close()
