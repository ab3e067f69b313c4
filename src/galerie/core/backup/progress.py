"""The progress bars `galerie backup` and `galerie restore` show, as the other long commands do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import OutputWrapper
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from galerie.core.backup.archive import Progress as OnProgress


@contextmanager
def progress_bars(stdout: OutputWrapper, phases: dict[str, str], *, quiet: bool) -> Iterator[OnProgress]:
    """Yield an ``on_progress(phase, done, total)`` that draws one bar per phase; a phase's bar
    is filled when the next one starts."""
    # The stubs type OutputWrapper._out as a callable; it is the text stream the command writes to.
    console = Console(file=stdout._out, quiet=quiet)  # type: ignore[arg-type]
    columns = (TextColumn("{task.description:<46}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=quiet, transient=False) as bars:
        tasks: dict[str, Any] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                for other in tasks.values():
                    bars.update(other, completed=bars.tasks[other].total)
                tasks[phase] = bars.add_task(phases.get(phase, phase), total=max(total, 1))
            bars.update(tasks[phase], completed=done, total=max(total, 1))

        yield on_progress
