"""Periodic jobs the worker runs between outbox deliveries (``galerie worker``).

Apps register a function at import time of their ``jobs`` module; the worker imports
``<app>.jobs`` for every installed Galerie app and calls each due job. A job returns how many
things it did (for the worker's log) and must be safe to run twice or concurrently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
