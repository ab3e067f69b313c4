"""`galerie privacy`: the operator's doors to a customer's data protection rights.

galerie privacy export --email ann@example.com [--output ann.json]   # GDPR art. 15 and 20
galerie privacy erase --email ann@example.com --by ops@example.com     # GDPR art. 17
galerie privacy retention                                              # run the purges now
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from galerie.core.errors import DomainError
from galerie.privacy.selectors import customer_export_json, customer_get_by_email
from galerie.privacy.services import customer_erase, retention_purge


class Command(BaseCommand):
    help = "A customer's personal data: export it (JSON), erase it; run the retention purges."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write everything Galerie holds about a customer as JSON.")
        export.add_argument("--email", required=True, help="The customer's e-mail address.")
        export.add_argument("--output", help="A file to write (default: standard output).")
        erase = sub.add_parser(
            "erase", help="Erase a customer's personal data; orders are kept, pseudonymised."
        )
        erase.add_argument("--email", required=True, help="The customer's e-mail address.")
        erase.add_argument("--by", required=True, help="The e-mail address of the staff member acting.")
        sub.add_parser("retention", help="Delete stale guest carts and expired sessions now.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            if options["action"] == "export":
                text = customer_export_json(user=customer_get_by_email(email=options["email"]), now=now)
                if options.get("output"):
                    Path(options["output"]).write_text(text + "\n", encoding="utf-8")
                    self.stdout.write(f"Written to {options['output']}.")
                else:
                    self.stdout.write(text)
            elif options["action"] == "erase":
                staff = customer_get_by_email(email=options["by"])
                if not staff.is_staff:
                    raise CommandError(f"{options['by']} is not a staff account.")
                user = customer_get_by_email(email=options["email"])
                erasure = customer_erase(user_id=user.pk, now=now, by=staff)
                self.stdout.write(f"Erased account #{erasure.user_id} at {erasure.at:%Y-%m-%d %H:%M} UTC.")
            else:
                counts = retention_purge(now=now)
                self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
        except DomainError as error:
            raise CommandError(error.message) from None
