"""On PostgreSQL: a payout run killed with SIGKILL half-way, then run again, pays each seller
once. (The figures of docs/payouts.md come from `galerie bench --ledger`.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from galerie.ledger.models import AccountKind, JournalEntry, JournalLine, Payout
from tests.factories import make_seller
from tests.ledger.payout_helpers import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _child_env(tmp_path, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ, "DATABASE_URL": url, "GALERIE_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "galerie.settings", **extra,
    }  # fmt: skip


def _galerie(*args: str) -> list[str]:
    return [sys.executable, "-m", "galerie.cli", *args]


def test_a_run_killed_half_way_then_run_again_pays_each_seller_exactly_once(tmp_path):
    day = timezone.localdate()  # the CLI runs at the real time: never a day after today
    sellers = [make_seller() for _ in range(8)]
    for seller in sellers:
        fund(seller.pk, 2500)
    # Two sellers per transaction, a pause after each: the kill lands between whole batches.
    env = _child_env(tmp_path, GALERIE_PAYOUT_PAUSE_SECONDS="0.4", GALERIE_PAYOUT_BATCH_SIZE="2")
    child = subprocess.Popen(_galerie("payouts", "run", "--date", day.isoformat()), env=env)
    deadline = time.monotonic() + 60
    while Payout.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_at = Payout.objects.count()
    assert 3 <= killed_at < len(sellers)  # killed half-way
    assert killed_at % 2 == 0  # a batch is paid whole or not at all
    subprocess.run(_galerie("payouts", "run", "--date", day.isoformat()), env=env, check=True)
    subprocess.run(_galerie("payouts", "run", "--date", day.isoformat()), env=env, check=True)
    per_seller = dict(Payout.objects.values_list("seller_id").annotate(n=Count("id")))
    assert per_seller == {s.pk: 1 for s in sellers}
    payout_lines = JournalLine.objects.filter(
        entry__kind=JournalEntry.Kind.PAYOUT, account__kind=AccountKind.SELLER_AVAILABLE
    )
    assert sorted(payout_lines.values_list("account__seller_id", flat=True)) == sorted(s.pk for s in sellers)
    assert all(line.debit_minor == 2500 - 250 for line in payout_lines)  # default reserve: 10 %
    files = list((tmp_path / "var" / "payouts" / day.isoformat()).glob("pain001-*.xml"))
    assert len(files) == 1 and files[0].read_text().count("<CdtTrfTxInf>") == len(sellers)
