"""`galerie reconcile [--all-due] [--only NAME …]`: run every reconciler once (docs/reliability.md).

After a crash, a restore or a lost webhook: finishes what was left half-way (a payment answered
but not recorded, a checkout that took the stock, a refund the gateway made, a payout run without
its bank file, an import left applying…). The worker runs the same reconcilers as periodic jobs;
this runs them all now, once, and says what each did. Safe to run twice, or beside the worker.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.core.delivery import reconcilers_autodiscover


class Command(BaseCommand):
    help = (
        "Run every reconciler once: finish what a crash left half-way (payments, checkouts, refunds,"
        " payout runs, imports). --all-due treats every age window as passed: only when no other"
        " process (worker, checkout) is at work, e.g. after a restore or in a test."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all-due",
            action="store_true",
            help="Treat every waiting window as passed (reservations, leases, 'too young to touch').",
        )
        parser.add_argument("--only", action="append", metavar="NAME", help="Run only this reconciler.")
        parser.add_argument("--list", action="store_true", help="List the reconcilers and exit.")

    def handle(
        self, *args: Any, all_due: bool, only: list[str] | None, verbosity: int, **options: Any
    ) -> None:
        found = reconcilers_autodiscover()
        if options["list"]:
            for reconciler in found.values():
                self.stdout.write(f"{reconciler.name:<28} {reconciler.description}")
            return
        unknown = sorted(set(only or ()) - found.keys())
        if unknown:
            raise CommandError(
                f"No reconciler named {', '.join(unknown)}; there are: {', '.join(sorted(found))}."
            )
        chosen = [r for r in found.values() if not only or r.name in only]
        started, settled, failed = time.monotonic(), 0, []
        for reconciler in chosen:
            began = time.monotonic()
            try:
                done = reconciler.run(all_due)
            except Exception as error:  # one reconciler's failure must not stop the others
                failed.append(reconciler.name)
                self.stderr.write(f"{reconciler.name}: failed: {type(error).__name__}: {error}")
                continue
            settled += done
            if verbosity >= 1:
                self.stdout.write(
                    f"{reconciler.name:<28} {done:>5} settled  {(time.monotonic() - began) * 1000:6.0f} ms"
                )
        self.stdout.write(
            f"reconcile: {len(chosen)} reconcilers, {settled} things settled, {len(failed)} failed"
            f"{' (all due)' if all_due else ''} in {time.monotonic() - started:.1f} s"
        )
        if failed:
            raise CommandError(f"These reconcilers failed: {', '.join(failed)}.")
