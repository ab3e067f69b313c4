"""Periodic jobs the worker runs between outbox deliveries (``galerie worker``).

Apps register a function at import time of their ``jobs`` module; the worker imports
``<app>.jobs`` for every installed Galerie app and calls each due job. A job returns how many
things it did (for the worker's log) and must be safe to run twice or concurrently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.utils import timezone


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], int]
    every_seconds: float


JOBS: dict[str, Job] = {}


def periodic(name: str, *, every_seconds: float) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register ``function`` as a periodic job under ``name`` (the last registration wins)."""

    def register(function: Callable[[], int]) -> Callable[[], int]:
        JOBS[name] = Job(name=name, run=function, every_seconds=every_seconds)
        return function

    return register


# --- reconcilers ---------------------------------------------------------------------------
# A reconciler finds work a crash left behind (a payment answered but not recorded, a payout run
# stopped half-way…) and finishes it. Most also run as periodic jobs; ``galerie reconcile`` runs
# them all once, in the order registered (apps in INSTALLED_APPS order). Each waits for an age
# window before it touches something (it may still be in progress elsewhere); ``all_due=True``
# treats every window as passed: for an operator who knows nothing else runs, and for the
# crash-matrix test (docs/reliability.md).


@dataclass(frozen=True)
class Reconciler:
    name: str
    run: Callable[[bool], int]  # all_due -> how many things it settled
    description: str


RECONCILERS: dict[str, Reconciler] = {}


ReconcilerFunction = TypeVar("ReconcilerFunction", bound=Callable[[bool], int])


def reconciler(
    name: str, *, description: str, every_seconds: float | None = None, job: str = ""
) -> Callable[[ReconcilerFunction], ReconcilerFunction]:
    """Register ``function(all_due)`` as the reconciler ``name`` (the last registration wins);
    with ``every_seconds``, also as the periodic job ``job`` (default: ``name``) that runs it
    with ``all_due=False``."""

    def register(function: ReconcilerFunction) -> ReconcilerFunction:
        RECONCILERS[name] = Reconciler(name=name, run=function, description=description)
        if every_seconds is not None:
            periodic(job or name, every_seconds=every_seconds)(lambda: function(False))
        return function

    return register


def due_before(all_due: bool, age: timedelta) -> datetime:
    """The instant before which a reconciler's work is due: ``age`` ago, or now with ``all_due``
    (a second ahead, so that what was written this very second counts too)."""
    now = timezone.now()
    return now + timedelta(seconds=1) if all_due else now - age
