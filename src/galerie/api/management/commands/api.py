"""`galerie api`: the operator's API keys and the API's schema.

galerie api key create --email ops@example.com --name "Reporting"   # prints the key once
galerie api key list
galerie api key revoke 1a2b3c4d
galerie api schema > openapi.json
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from galerie.accounts.models import User
from galerie.api.services import staff_api_token_create, staff_api_token_revoke, staff_api_tokens
from galerie.core.errors import DomainError


class Command(BaseCommand):
    help = "Operator API keys (create, list, revoke) and the OpenAPI schema of /api/v1/."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        key = sub.add_parser("key", help="Staff API keys: they act with their user's permissions.")
        actions = key.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a key for a staff user; it is shown once.")
        create.add_argument("--email", required=True, help="The staff user's e-mail address.")
        create.add_argument("--name", required=True, help="What uses the key, e.g. 'Reporting'.")
        actions.add_parser("list", help="List the keys, live and revoked.")
        revoke = actions.add_parser("revoke", help="Revoke a key by the prefix `list` shows.")
        revoke.add_argument("prefix")
        sub.add_parser("schema", help="Print the OpenAPI 3.1 schema of /api/v1/ as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["what"] == "schema":
                from galerie.api.urls import api

                self.stdout.write(json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False))
            elif options["action"] == "create":
                user = User.objects.filter(email__iexact=options["email"].strip()).first()
                if user is None:
                    raise CommandError(f"No user has the address {options['email']!r}.")
                token, raw = staff_api_token_create(user=user, name=options["name"])
                self.stdout.write(f"Key {token.name!r} for {user.email} (shown once, keep it safe):\n{raw}")
            elif options["action"] == "list":
                for token in staff_api_tokens():
                    state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
                    used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                    line = (
                        f"gls_{token.prefix}…  {token.name:<24} {token.user.email:<32} {state}, used {used}"
                    )
                    self.stdout.write(line)
            else:
                token = staff_api_token_revoke(prefix=options["prefix"])
                self.stdout.write(f"Revoked gls_{token.prefix}… ({token.name}).")
        except DomainError as error:
            raise CommandError(error.message) from None
