"""Collecting missing DAC7 data: reminder 1, reminder 2 after the interval, payouts held after the
grace, the payout run skipping the seller, and paying again once the data is complete."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import pytest

from galerie.core.delivery import handlers_autodiscover, outbox_deliver_batch
from galerie.dac7.models import Dac7Reminder
from galerie.dac7.services import dac7_reminders_send
from galerie.ledger.holds import held_seller_ids
from galerie.ledger.models import AccountKind, JournalEntry, Payout, PayoutHold
from galerie.ledger.payouts import payouts_run
from galerie.ledger.services import AccountRef, credit, debit, entry_post
from tests.dac7.conftest import at, local
from tests.dac7.test_declaration import complete_entity
from tests.factories import make_seller

pytestmark = pytest.mark.django_db(transaction=True)


def funded_sale(seller_id: int, amount_minor: int, when) -> None:
    """A sale of the year, already available to the seller (past its withdrawal period)."""
    key = uuid.uuid4().hex
    with at(when):
        entry_post(
            idempotency_key=f"test-sale:{key}", kind=JournalEntry.Kind.ALLOCATION, description="sale",
            postings=[debit(AccountRef(AccountKind.CUSTOMER_CLEARING, "EUR"), amount_minor),
                      credit(AccountRef(AccountKind.SELLER_PAYABLE, "EUR", seller_id), amount_minor)],
        )  # fmt: skip
        entry_post(
            idempotency_key=f"test-available:{key}", kind=JournalEntry.Kind.AVAILABILITY, description="free",
            postings=[debit(AccountRef(AccountKind.SELLER_PAYABLE, "EUR", seller_id), amount_minor),
                      credit(AccountRef(AccountKind.SELLER_AVAILABLE, "EUR", seller_id), amount_minor)],
        )  # fmt: skip


def deliver() -> None:
    handlers = handlers_autodiscover()
    while outbox_deliver_batch(handlers, batch=100).claimed:
        pass


def dac7_mails(inbox, address: str) -> list:
    """The DAC7 e-mails to ``address``: in French, the language of the seller's storefront."""
    return [m for m in inbox.to(address) if "fiscales" in m["Subject"] or "suspendus" in m["Subject"]]


def test_reminders_then_the_hold_then_payouts_again(smtp_inbox, settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path
    settings.GALERIE_PAYOUT_RESERVE_BP = 0
    late, prompt = make_seller(email="late@shop.test"), make_seller(email="prompt@shop.test")
    funded_sale(late.pk, 250_000, local(2030, 3, 1))  # past the de minimis: 2,500 €
    funded_sale(prompt.pk, 20_000, local(2030, 3, 1))
    complete_entity(prompt)
    first = local(2030, 3, 2, 9).astimezone(UTC)  # elapsed time, whatever the summer time

    assert dac7_reminders_send(now=first) == 1  # the seller with missing data only
    assert dac7_reminders_send(now=first) == 0  # run twice: nothing more
    deliver()
    [mail] = dac7_mails(smtp_inbox, late.email)
    assert mail["Subject"] == f"Informations fiscales requises pour {late.display_name}"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Numéro d’identification fiscale (NIF)" in body and "/sell/tax-information/" in body
    assert dac7_mails(smtp_inbox, "prompt@shop.test") == []

    assert dac7_reminders_send(now=first + timedelta(days=30) - timedelta(minutes=1)) == 0
    second = first + timedelta(days=30)
    assert dac7_reminders_send(now=second) == 1
    assert list(Dac7Reminder.objects.filter(seller=late).values_list("number", "sent_at")) == [
        (1, first), (2, second)
    ]  # fmt: skip
    deliver()
    assert "Deuxième relance" in dac7_mails(smtp_inbox, late.email)[-1]["Subject"]

    assert dac7_reminders_send(now=second + timedelta(days=30) - timedelta(minutes=1)) == 0
    assert held_seller_ids() == set()
    held_at = second + timedelta(days=30)
    assert dac7_reminders_send(now=held_at) == 1
    assert dac7_reminders_send(now=held_at + timedelta(days=1)) == 0  # one hold, once
    [hold] = PayoutHold.objects.filter(seller=late, lifted_at__isnull=True)
    assert hold.reason == "dac7_missing_data" and hold.placed_at == held_at
    deliver()
    assert "Virements suspendus" in dac7_mails(smtp_inbox, late.email)[-1]["Subject"]

    day = (held_at + timedelta(days=1)).date()
    result = payouts_run(run_date=day, now=local(day.year, day.month, day.day))
    assert result.paid_now == 1  # the prompt seller only
    assert not Payout.objects.filter(seller=late).exists()
    assert Payout.objects.get(seller=prompt).amount_minor == 20_000

    complete_entity(late)  # the seller answers: the hold is lifted at once
    hold.refresh_from_db()
    assert hold.lifted_at is not None and held_seller_ids() == set()
    next_day = day + timedelta(days=1)
    payouts_run(run_date=next_day, now=local(next_day.year, next_day.month, next_day.day))
    assert Payout.objects.get(seller=late).amount_minor == 250_000


def test_a_cycle_begun_in_december_goes_on_in_january(db):
    seller = make_seller()
    funded_sale(seller.pk, 210_000, local(2030, 12, 1))
    assert dac7_reminders_send(now=local(2030, 12, 20)) == 1
    assert dac7_reminders_send(now=local(2031, 1, 19)) == 1  # 30 days later, the 2030 cycle's 2nd
    assert list(Dac7Reminder.objects.filter(seller=seller).values_list("year", "number")) == [
        (2030, 1), (2030, 2)
    ]  # fmt: skip
    assert dac7_reminders_send(now=local(2031, 2, 18)) == 1
    assert held_seller_ids() == {seller.pk}


def test_excluded_and_non_eu_sellers_get_no_reminder(db):
    listed, swiss = make_seller(), make_seller(country="CH", vat_number="")
    from galerie.dac7.services import seller_tax_exclusion_set

    seller_tax_exclusion_set(seller_id=listed.pk, exclusion="listed", by=None)
    for seller in (listed, swiss):
        funded_sale(seller.pk, 10_000, local(2030, 5, 1))
    assert dac7_reminders_send(now=local(2030, 5, 2)) == 0


@pytest.mark.parametrize(
    ("amount_minor", "reminded"),
    [(200_000, 0), (200_001, 1)],  # at most 2,000 € with fewer than 30 sales: an Excluded Seller
)
def test_a_seller_under_the_de_minimis_is_not_asked_for_its_data(db, amount_minor, reminded):
    seller = make_seller()
    funded_sale(seller.pk, amount_minor, local(2030, 5, 1))
    assert dac7_reminders_send(now=local(2030, 5, 2)) == reminded
    assert Dac7Reminder.objects.filter(seller=seller).count() == reminded
