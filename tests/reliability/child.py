"""The child process of the crash matrix: ``python -m tests.reliability.child act POINT WORLD_JSON``
runs the scenario's action (GALERIE_CRASH_AT kills it on the way); ``… restart`` is what comes
back after the crash: ``galerie reconcile --all-due`` and the worker, twice (the second round
must find nothing left to do, and do no harm)."""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
    import django

    django.setup()
    if argv[0] == "act":
        from tests.reliability.scenarios import SCENARIOS

        SCENARIOS[argv[1]].act(json.loads(argv[2]))
        return 0
    if argv[0] == "restart":
        from django.core.management import call_command

        from galerie.core.delivery import handlers_autodiscover, worker_run

        for _ in range(2):
            call_command("reconcile", all_due=True, verbosity=0)
            worker_run(handlers_autodiscover(), once=True)
        return 0
    raise SystemExit(f"usage: {sys.argv[0]} act POINT WORLD_JSON | restart")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
