"""`galerie payouts run [--date YYYY-MM-DD]`: make funds available, then pay every seller once."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from galerie.core.money import Money
from galerie.ledger.errors import PayoutRunInFuture
from galerie.ledger.holds import payout_holds_active
from galerie.ledger.iban_checks import payout_iban_warnings
from galerie.ledger.payouts import PAYOUT_BATCH_SIZE, payouts_run


def _money(amount_minor: int, currency: str) -> str:
    return Money(amount_minor, currency).format(settings.LANGUAGE_CODE)


class Command(BaseCommand):
    help = (
        "Pay every seller its available balance minus the rolling reserve and its debts, write the"
        " pain.001 transfer file and the statements. Idempotent: run again to resume. A day after"
        " today is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run (or resume) the payout run of a day.")
        run.add_argument("--date", help="Day of the run, YYYY-MM-DD (default: today; never after today).")
        run.add_argument("--currency", default="EUR")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run_date = date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date: {options['date']!r} is not a date like 2025-01-31.") from None
        # Test hooks: pause between batches of sellers (one transaction each) so that a test can
        # kill the run half-way; the number of sellers per batch.
        pause = float(os.environ.get("GALERIE_PAYOUT_PAUSE_SECONDS", "0") or 0)
        batch = int(os.environ.get("GALERIE_PAYOUT_BATCH_SIZE", "0") or 0) or PAYOUT_BATCH_SIZE
        try:
            result = payouts_run(
                run_date=run_date, currency=options["currency"], pause_seconds=pause, batch_size=batch
            )
        except PayoutRunInFuture as error:
            raise CommandError(f"--date: {error.message}") from None
        currency = result.run.currency
        if result.already_completed:
            self.stdout.write(
                f"Run {run_date} {currency} was already completed: nothing paid now"
                f" ({result.payouts} payout(s), {_money(result.total_minor, currency)})."
            )
            return
        payouts = list(result.run.payouts.select_related("seller").order_by("seller_id"))
        as_of = timezone.localtime(result.run.as_of)
        self.stdout.write(
            f"Run {run_date} {currency}, as of {as_of:%Y-%m-%d %H:%M %Z}:"
            f" {result.made_available} seller order(s) made available."
        )
        for payout in payouts:
            details = [f"reserve {_money(payout.reserve_minor, currency)}"]
            if payout.debt_netted_minor:
                details.append(f"debt netted {_money(payout.debt_netted_minor, currency)}")
            if payout.debt_left_minor:
                details.append(f"debt left {_money(payout.debt_left_minor, currency)}")
            self.stdout.write(
                f"  seller {payout.seller_id} {payout.seller.display_name}:"
                f" {_money(payout.amount_minor, currency)} ({', '.join(details)})"
            )
        self.stdout.write(
            f"Paid {result.paid_now} seller(s) now, {result.payouts} in the run, total"
            f" {_money(result.total_minor, currency)}; bank file: {result.bank_file or 'none'}"
        )
        for hold in payout_holds_active():
            self.stdout.write(
                self.style.WARNING(
                    f"HELD: seller {hold.seller_id} {hold.seller.display_name} not paid:"
                    f" {hold.get_reason_display()} (since {timezone.localdate(hold.placed_at)})"
                )
            )
        transfers = [p.seller_id for p in payouts if p.amount_minor > 0]
        for warning in payout_iban_warnings(seller_ids=transfers):
            self.stdout.write(self.style.WARNING(f"WARNING: {warning.describe()}"))
