"""The Celery tasks: an outbox message's delivery, and a periodic job's run (docs/celery.md).

Both run the code ``galerie worker`` runs in the embedded mode: the same handlers, claimed with the
same lease, failing into the same back-off and dead letters, and the same jobs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError

from galerie.core.celery_app import app

logger = logging.getLogger("galerie.core.delivery")

NEVER = datetime(2000, 1, 1, tzinfo=UTC)
DELIVER = "galerie.deliver"
JOB = "galerie.job"

_handlers: dict[str, list[Any]] | None = None


def _handlers_loaded() -> dict[str, list[Any]]:
    global _handlers
    if _handlers is None:
        from galerie.core.delivery import handlers_autodiscover

        _handlers = handlers_autodiscover()
    return _handlers


@app.task(
    name=DELIVER,
    # The database gone (restart, failover): the message waits and comes back; the outbox's own
    # retries are for handlers that fail.
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=None,
)
def deliver(pks: list[int], until: str) -> dict[str, int]:
    """Deliver the outbox events ``pks`` the relay published with the lease ending at ``until``."""
    from galerie.core.delivery import _fresh_connection, outbox_deliver_published

    _fresh_connection()
    result = outbox_deliver_published(_handlers_loaded(), pks, until=datetime.fromisoformat(until))
    if result.claimed or result.skipped:
        logger.info(
            "outbox message: %d events, %d delivered (%d without handler), %d failed, %d dead,"
            " %d skipped (another task's or delivered)",
            len(pks),
            result.delivered,
            result.unhandled,
            result.failed,
            result.dead,
            result.skipped,
        )
    return {"delivered": result.delivered, "failed": result.failed, "skipped": result.skipped}


@app.task(name=JOB)
def run_job(name: str) -> int:
    """Run the periodic job ``name`` once (beat sends it on the job's schedule)."""
    from galerie.core.delivery import JobScheduler, _fresh_connection, jobs_autodiscover

    _fresh_connection()
    job = jobs_autodiscover().get(name)
    if job is None:
        logger.error("job %s: no such periodic job (an older beat's schedule?)", name)
        return 0
    scheduler = JobScheduler({name: job})
    scheduler.run_due(everything=True)  # under the task's id (core/celery_app.py)
    return scheduler.runs - scheduler.errors


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Beat's schedule: every periodic job, every ``every_seconds``; a run not started within
    its period expires (no pile of runs after the workers were away)."""
    from galerie.core.delivery import jobs_autodiscover

    return {
        f"{JOB}:{job.name}": {
            "task": JOB,
            "schedule": job.every_seconds,
            "args": (job.name,),
            "options": {"expires": job.every_seconds},
            # An entry beat has not run yet is due now; a known one keeps its last run (beat's file).
            "last_run_at": NEVER,
        }
        for job in jobs_autodiscover().values()
    }
