"""The regulatory and yearly reports behind ``galerie report <name>`` (DAC7, DSA, P2B …).

Each app registers its reports in its own ``reports`` module with :func:`report`; the command
imports ``<app>.reports`` of every installed Galerie app (:func:`reports_autodiscover`) and offers
one sub-command per report, so that no app has to know the others.
"""

from __future__ import annotations

import importlib
import importlib.util
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import apps


class Out(Protocol):
    """Where a report writes its lines: the command's stdout, or a StringIO in tests."""

    def write(self, text: str, /) -> object: ...


Arguments = Callable[[ArgumentParser], None]
Run = Callable[[dict[str, Any], Out], None]  # options, output; raises CommandError on bad input


@dataclass(frozen=True)
class Report:
    name: str
    help: str
    arguments: Arguments
    run: Run


REPORTS: dict[str, Report] = {}


def report(name: str, *, help: str, arguments: Arguments) -> Callable[[Run], Run]:
    """Register ``run`` as the report ``name``; ``arguments`` adds its options to its parser."""

    def register(run: Run) -> Run:
        REPORTS[name] = Report(name=name, help=help, arguments=arguments, run=run)
        return run

    return register


def reports_autodiscover() -> dict[str, Report]:
    """Import ``<app>.reports`` of every installed ``galerie.*`` app that has one; return them."""
    for config in apps.get_app_configs():
        if config.name.startswith("galerie.") and importlib.util.find_spec(f"{config.name}.reports"):
            importlib.import_module(f"{config.name}.reports")
    return dict(sorted(REPORTS.items()))
