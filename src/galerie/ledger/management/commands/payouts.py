"""`galerie payouts run [--date YYYY-MM-DD]`: make funds available, then pay every seller once."""

from __future__ import annotations

import os
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.payouts import payouts_run


class Command(BaseCommand):
    help = (
        "Pay every seller its available balance minus the rolling reserve and its debts, write the"
        " pain.001 transfer file and the statements. Idempotent: run again to resume."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run (or resume) the payout run of a day.")
        run.add_argument("--date", help="Day of the run, YYYY-MM-DD (default: today).")
        run.add_argument("--currency", default="EUR")

    def handle(self, *args, **options) -> None:
        try:
            run_date = date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date: {options['date']!r} is not a date like 2025-01-31.") from None
        made = seller_orders_make_available()
        # Test hook: pause between sellers so a test can kill the run half-way.
        pause = float(os.environ.get("GALERIE_PAYOUT_PAUSE_SECONDS", "0") or 0)
        result = payouts_run(run_date=run_date, currency=options["currency"], pause_seconds=pause)
        if result.already_completed:
            self.stdout.write(f"Run {run_date} {result.run.currency} was already completed: nothing paid.")
            return
        self.stdout.write(
            f"{made} seller order(s) made available; run {run_date} {result.run.currency}: paid"
            f" {result.paid_now} seller(s) now, {result.payouts} in the run, total"
            f" {result.total_minor} minor units; bank file: {result.bank_file or 'none'}"
        )
