"""`galerie bench`: the benchmark harness (code in the repository's bench/ folder)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import galerie
from galerie.web.management.commands.serve import DEFAULT_SERVER, SERVERS

REPOSITORY = Path(galerie.__file__).resolve().parents[2]


def _bench_package() -> None:
    if not (REPOSITORY / "bench" / "run.py").exists():
        raise CommandError("galerie bench runs from a checkout of the repository (its bench/ folder).")
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))


class Command(BaseCommand):
    help = (
        "Seed (once) a PostgreSQL bench database, serve Galerie as in production, drive load with wrk over "
        "the storefront scenarios and the floor view (Zipf popularity), with caches warm then bypassed, "
        "check the invariants, write bench/results/."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=["demo", "large"], default="demo")
        parser.add_argument("--duration", type=float, default=20, help="Seconds of load per scenario.")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--checkout-customers", type=int, default=16)  # like the 16 connections
        parser.add_argument("--port", type=int, default=8099)
        parser.add_argument(
            "--passes",
            default="warm,bypass",
            help="warm (caches as in production), bypass (GALERIE_CACHE_BYPASS=1: every result cache "
            "misses), or both, comma-separated (default).",
        )
        parser.add_argument(
            "--database-url",
            default=None,
            help="The bench database (default: postgres://postgres@127.0.0.1:5432/galerie_bench_<scale>).",
        )
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default=None,
            help="The app server of the passes (default: galerie serve's, GALERIE_SERVER or "
            f"{DEFAULT_SERVER}).",
        )
        parser.add_argument(
            "--servers",
            metavar="NAME,NAME",
            help=f"Compare app servers instead of the passes: floor, category and product pages under "
            f"each ({', '.join(SERVERS)}; 'all' for every one), in one run (bench/appservers.py).",
        )
        parser.add_argument(
            "--nginx",
            action="store_true",
            help="Instead of the passes: the app server alone, behind nginx, and two app servers behind "
            "nginx (deploy/nginx/galerie.conf; bench/appservers.py).",
        )
        parser.add_argument("--rounds", type=int, default=3, help="With --servers or --nginx: medians of N.")
        parser.add_argument("--prepare", metavar="FILE", help="(internal) pick the scenarios' requests.")
        parser.add_argument("--check", action="store_true", help="(internal) print the invariants as JSON.")
        parser.add_argument(
            "--ledger", action="store_true", help="Measure a payout run for 2,000 sellers and ledger posting."
        )
        parser.add_argument("--ledger-figures", metavar="DIR", help="(internal) the ledger figures, in DIR.")

    def handle(self, *args, **options) -> None:
        _bench_package()
        if options["prepare"]:
            from bench.prepare import prepare

            prepare(Path(options["prepare"]))
            return
        if options["check"]:
            from bench.invariants import invariants

            self.stdout.write(json.dumps(invariants()))
            return
        if options["ledger_figures"]:
            from bench.ledger import figures

            self.stdout.write(json.dumps(figures(Path(options["ledger_figures"]))))
            return
        if options["ledger"]:
            from bench.run import ledger_main

            ledger_main(
                admin_url=os.environ.get("GALERIE_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/")
            )
            return
        url = options["database_url"] or os.environ.get(
            "GALERIE_BENCH_DATABASE_URL",
            f"postgres://postgres@127.0.0.1:5432/galerie_bench_{options['scale']}",
        )
        if options["servers"] or options["nginx"]:
            self._appservers(options, url)
            return
        from bench.run import main

        passes = tuple(dict.fromkeys(name.strip() for name in options["passes"].split(",") if name.strip()))
        if not passes or set(passes) - {"warm", "bypass"}:
            raise CommandError("--passes: warm, bypass or warm,bypass")
        code = main(
            scale=options["scale"],
            duration=options["duration"],
            connections=options["connections"],
            port=options["port"],
            database_url=url,
            checkout_customers=options["checkout_customers"],
            passes=passes,
            server_name=options["server"],
        )
        if code:
            raise CommandError("the invariants do not hold after the load: see above")

    def _appservers(self, options: dict, url: str) -> None:
        from bench.appservers import main as appservers_main

        if options["servers"] and options["nginx"]:
            raise CommandError("--servers or --nginx, one at a time")
        if options["servers"]:
            wanted = options["servers"].split(",")
            servers = (
                list(SERVERS) if wanted == ["all"] else [name.strip() for name in wanted if name.strip()]
            )
            if unknown := set(servers) - set(SERVERS):
                raise CommandError(
                    f"--servers: unknown {', '.join(sorted(unknown))}; one of {', '.join(SERVERS)}"
                )
        else:
            servers = [options["server"] or os.environ.get("GALERIE_SERVER") or DEFAULT_SERVER]
        appservers_main(
            mode="servers" if options["servers"] else "nginx",
            scale=options["scale"],
            database_url=url,
            port=options["port"],
            servers=servers,
            rounds=max(1, options["rounds"]),
            duration=options["duration"],
            connections=options["connections"],
        )
