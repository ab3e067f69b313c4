"""`galerie invoices commissions --month YYYY-MM`: the operator's commission invoices of a month."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.invoices.errors import InvoiceNotIssuable
from galerie.invoices.services import commission_invoices_issue


class Command(BaseCommand):
    help = "Issue the operator's monthly commission invoices to the sellers. Idempotent: run again freely."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        commissions = sub.add_parser("commissions", help="Issue a month's commission invoices.")
        commissions.add_argument("--month", required=True, help="The month, YYYY-MM (a month that is over).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = date.fromisoformat(f"{options['month']}-01")
        except ValueError:
            raise CommandError(f"--month: {options['month']!r} is not a month like 2026-11.") from None
        try:
            issued = commission_invoices_issue(month=month)
        except InvoiceNotIssuable as error:
            raise CommandError(f"--month: {error.message}") from None
        for invoice in issued:
            self.stdout.write(
                f"{invoice.number} {invoice.seller} {invoice.total_incl_vat_minor} {invoice.currency}"
            )
        self.stdout.write(f"{len(issued)} commission invoice(s) issued for {month:%Y-%m}.")
