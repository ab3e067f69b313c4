"""`galerie storefront close|reopen|status|finish CODE`: a storefront's closure from the command
line (docs/storefront-closure.md). Exit status 0 when done, 1 (CommandError) on bad input or when
the closure is blocked; ``status`` exits 0 and prints what blocks (``--check`` makes a blocked
storefront exit 1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from galerie.core.actors import System
from galerie.core.errors import DomainError, InvalidInput
from galerie.core.money import Money
from galerie.storefronts.closure import (
    closure_blockers,
    storefront_closure_announce,
    storefront_closure_cancel,
    storefront_closure_finish,
)
from galerie.storefronts.errors import ClosureBlocked
from galerie.storefronts.models import Storefront

BY = System("command:storefront")


def _error(error: DomainError) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(
            f"--{field.replace('_', '-')}: {' '.join(msgs)}" for field, msgs in error.errors.items()
        )
    return error.message


class Command(BaseCommand):
    help = (
        "Close a storefront: announce the closure, re-open it, show what blocks the end, close it for good."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close", help="Announce the closure: no sale from --on (a local date).")
        close.add_argument("code")
        close.add_argument(
            "--on", required=True, help="The first day without sales, YYYY-MM-DD (today or later)."
        )
        close.add_argument("--reason", required=True, help="Why it closes: told to customers and sellers.")
        reopen = sub.add_parser("reopen", help="Cancel an announced closure: the storefront sells again.")
        reopen.add_argument("code")
        status = sub.add_parser("status", help="Print the storefront's status and what blocks its closure.")
        status.add_argument("code")
        status.add_argument("--check", action="store_true", help="Exit 1 if something blocks the closure.")
        finish = sub.add_parser("finish", help="Final payouts and close for good, if nothing is left open.")
        finish.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            storefront = Storefront.objects.filter(code=options["code"]).first()
            if storefront is None:
                codes = (
                    ", ".join(Storefront.objects.order_by("code").values_list("code", flat=True)) or "none"
                )
                raise CommandError(f"No storefront with code {options['code']!r} (codes: {codes}).")
            getattr(self, f"_{options['action']}")(storefront, options)

    def _close(self, storefront: Storefront, options: dict[str, Any]) -> None:
        try:
            closing_on = date.fromisoformat(options["on"])
        except ValueError:
            raise CommandError(f"--on: {options['on']!r} is not a date like 2026-03-31.") from None
        try:
            done = storefront_closure_announce(
                storefront_id=storefront.pk, closing_on=closing_on, reason=options["reason"], by=BY
            )
        except DomainError as error:
            raise CommandError(_error(error)) from None
        self.stdout.write(
            f"{done.name} ({done.code}) is closing: no sale from {done.closing_on}"
            " on; sellers and customers with open orders are told by e-mail."
        )

    def _reopen(self, storefront: Storefront, options: dict[str, Any]) -> None:
        try:
            done = storefront_closure_cancel(storefront_id=storefront.pk, by=BY, reason="re-opened")
        except DomainError as error:
            raise CommandError(_error(error)) from None
        self.stdout.write(f"{done.name} ({done.code}) is {done.status}: it sells again.")

    def _status(self, storefront: Storefront, options: dict[str, Any]) -> None:
        line = f"{storefront.name} ({storefront.code}): {storefront.status}"
        if storefront.closing_on:
            line += f", no sale from {storefront.closing_on.isoformat()}"
        if storefront.closed_at:
            line += f", closed at {timezone.localtime(storefront.closed_at):%Y-%m-%d %H:%M}"
        self.stdout.write(line)
        if storefront.status not in (Storefront.Status.CLOSING, Storefront.Status.CLOSED):
            return
        blockers = closure_blockers(storefront_id=storefront.pk)
        details = blockers.details
        rows = [
            ("open seller orders", blockers.open_seller_orders, details.get("open_seller_orders", [])),
            (
                "refunds not settled",
                blockers.pending_refunds,
                details.get("refunds_due", []) + details.get("pending_refunds", []),
            ),
            ("delivered, in withdrawal period", blockers.withdrawal_open, details.get("withdrawal_open", [])),
            ("payments not settled", blockers.payments_unsettled, details.get("payments_unsettled", [])),
        ]
        for label, count, refs in rows:
            shown = f"  ({', '.join(map(str, refs[:10]))}{', …' if count > 10 else ''})" if count else ""
            self.stdout.write(f"  {label}: {count}{shown}")
        held = ", ".join(
            Money(amount, currency).format(settings.LANGUAGE_CODE)
            for currency, amount in sorted(blockers.held_minor.items())
        )
        self.stdout.write(f"  money held for its sellers: {held or '0'}")
        for row in details.get("held_by_seller", []):
            pending = Money(row["pending"], row["currency"]).format(settings.LANGUAGE_CODE)
            available = Money(row["available"], row["currency"]).format(settings.LANGUAGE_CODE)
            self.stdout.write(f"    seller {row['seller_id']}: pending {pending}, available {available}")
        for row in details.get("sellers_in_debt", []):
            debt = Money(row["debt"], row["currency"]).format(settings.LANGUAGE_CODE)
            self.stdout.write(f"  seller {row['seller_id']} owes {debt} (listed, does not block)")
        self.stdout.write(f"  ledger balanced: {'yes' if blockers.ledger_balanced else 'NO'}")
        self.stdout.write(
            "Nothing blocks the closure." if not blockers else "Blocked: " + "; ".join(blockers.describe())
        )
        if blockers and options.get("check"):
            raise CommandError("The closure is blocked.")

    def _finish(self, storefront: Storefront, options: dict[str, Any]) -> None:
        try:
            done = storefront_closure_finish(storefront_id=storefront.pk, by=BY)
        except ClosureBlocked as error:
            raise CommandError(error.message) from None
        except DomainError as error:
            raise CommandError(_error(error)) from None
        self.stdout.write(
            f"{done.name} ({done.code}) is closed (at {timezone.localtime(done.closed_at):%Y-%m-%d %H:%M});"
            " final payouts are in today's payout run."
        )
