"""`galerie reconcile`: a payout run left half-way is finished, once, by its reconciler."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from galerie.ledger.models import Payout, PayoutRun
from galerie.ledger.payouts import payout_run_start, sellers_payout_post
from tests.factories import make_seller
from tests.ledger.payout_helpers import fund

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_payout_run_left_half_way_is_finished_by_galerie_reconcile(settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    sellers = [make_seller() for _ in range(2)]
    for seller in sellers:
        fund(seller.pk, 2500)
    run = payout_run_start(run_date=timezone.localdate())
    sellers_payout_post(run=run, seller_ids=[sellers[0].pk])  # then the process died

    out = reconcile("--only", "ledger.payout_runs_resume")
    assert "0 things settled" in out  # too young: it may still be running
    assert PayoutRun.objects.get().completed_at is None

    out = reconcile("--all-due")
    assert "ledger.payout_runs_resume" in out and "0 failed (all due)" in out
    run.refresh_from_db()
    assert run.completed_at is not None and run.file_name
    assert sorted(Payout.objects.values_list("seller_id", flat=True)) == sorted(s.pk for s in sellers)
    assert "0 things settled" in reconcile("--all-due", "--only", "ledger.payout_runs_resume")


def test_galerie_reconcile_lists_its_reconcilers_and_refuses_an_unknown_one():
    listed = reconcile("--list")
    for name in ("checkout.attempts", "payments.awaiting_gateway", "payments.refunds_pending",
                 "ledger.payout_runs_resume", "offers.imports_resume", "core.outbox_due"):  # fmt: skip
        assert name in listed
    with pytest.raises(CommandError, match="No reconciler named nope"):
        reconcile("--only", "nope")
