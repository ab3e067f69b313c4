"""`galerie demo`: set up the demo marketplace on the embedded database and serve it."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from galerie.accounts.models import User
from galerie.seeding.accounts import demo_accounts_create
from galerie.seeding.demo_orders import demo_orders_create
from galerie.sellers.models import SellerMember
from galerie.storefronts.models import Storefront


class Command(BaseCommand):
    help = "Migrate, seed the demo marketplace (once), create the demo accounts, then serve it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", default=os.environ.get("GALERIE_BIND", "127.0.0.1:8000"))
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not start the server.")

    def handle(self, *args, bind: str, no_serve: bool, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if Storefront.objects.exists():
            self.stdout.write(
                "The demo marketplace is already seeded; keeping it (galerie seed --reset redoes it)."
            )
        else:
            call_command("seed", scale="demo")
        accounts = demo_accounts_create()
        owners = SellerMember.objects.select_related("seller", "user")
        owners = owners.filter(user__email="seller@galerie.test")
        customer = User.objects.filter(email="customer@galerie.test").first()
        if (membership := owners.first()) is not None and customer is not None:
            demo_orders_create(seller=membership.seller, customer=customer, owner=membership.user)
        call_command("collectstatic", interactive=False, verbosity=0)
        host = bind if not bind.startswith("0.0.0.0") else bind.replace("0.0.0.0", "127.0.0.1")
        self.stdout.write(self.style.SUCCESS("\nThe demo marketplace is ready."))
        self.stdout.write(f"  Storefronts:  http://{host}/")
        self.stdout.write(f"  Back office:  http://{host}/back-office/ (and the admin: /admin/)")
        self.stdout.write(f"  API:          http://{host}/api/v1/docs (keys: /sell/tokens/, galerie api key)")
        for role, email, password in accounts:
            self.stdout.write(f"  {role:<9} {email:<28} password: {password}")
        if not no_serve:
            mail_dir = settings.VAR_DIR / "mail"
            self.stdout.write(f"  E-mails:      written to {mail_dir}/ by the worker")
            # The worker sends the e-mails (as files here) and runs the payment webhooks and the
            # reconciler; Ctrl-C stops it with the server (same process group).
            subprocess.Popen(
                [sys.executable, "-m", "galerie.cli", "worker", "--verbosity", "0"],
                env={**os.environ, "EMAIL_FILE_PATH": str(mail_dir), "GALERIE_SITE_URL": f"http://{host}"},
            )
            call_command("serve", bind=bind, no_collectstatic=True, demo=True)
