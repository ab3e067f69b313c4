"""Posting: balanced or refused with nothing written, once per key, never changed afterwards."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from galerie.ledger.errors import ImmutableEntry, InvalidPosting, UnbalancedEntry
from galerie.ledger.models import Account, AccountKind, JournalEntry, JournalLine
from galerie.ledger.selectors import account_balance, trial_balance, unbalanced_entry_ids
from galerie.ledger.services import AccountRef, Posting, credit, debit, entry_post, entry_reverse
from tests.factories import make_seller

pytestmark = pytest.mark.django_db

GR = AccountRef(AccountKind.GATEWAY_RECEIVABLE, "EUR")
CC = AccountRef(AccountKind.CUSTOMER_CLEARING, "EUR")
COMMISSION = AccountRef(AccountKind.COMMISSION_REVENUE, "EUR")


def post(key: str = "k1", postings=None) -> JournalEntry:
    return entry_post(
        idempotency_key=key,
        kind=JournalEntry.Kind.ADJUSTMENT,
        description="test",
        postings=postings if postings is not None else [debit(GR, 1000), credit(CC, 1000)],
    )


def test_a_balanced_entry_is_posted_with_its_lines_and_balances_follow():
    entry = post()
    assert [(line.debit_minor, line.credit_minor) for line in entry.lines.all()] == [(1000, 0), (0, 1000)]
    gr = Account.objects.get(kind=AccountKind.GATEWAY_RECEIVABLE)
    assert account_balance(account=gr) == 1000
    assert sum(row["balance_minor"] for row in trial_balance()) == 0


@pytest.mark.parametrize(
    "postings",
    [
        [debit(GR, 1000), credit(CC, 999)],
        [debit(GR, 1000), credit(AccountRef(AccountKind.CUSTOMER_CLEARING, "USD"), 1000)],
        [debit(GR, 1000), credit(CC, 600), credit(COMMISSION, 401)],
    ],
)
def test_an_unbalanced_entry_is_refused_and_nothing_is_written(postings):
    with pytest.raises(UnbalancedEntry):
        post(postings=postings)
    assert (JournalEntry.objects.count(), JournalLine.objects.count(), Account.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    "postings",
    [
        [debit(GR, 1000)],
        [Posting(GR, debit_minor=5, credit_minor=5), credit(CC, 0)],
        [Posting(GR, debit_minor=-5), Posting(CC, credit_minor=-5)],
        [debit(AccountRef(AccountKind.SELLER_PAYABLE, "EUR"), 5), credit(CC, 5)],
        [debit(AccountRef("nonsense", "EUR"), 5), credit(CC, 5)],
        [debit(AccountRef(AccountKind.GATEWAY_RECEIVABLE, "XXY"), 5), credit(CC, 5)],
    ],
)
def test_malformed_lines_are_refused_and_nothing_is_written(postings):
    with pytest.raises(InvalidPosting):
        post(postings=postings)
    assert (JournalEntry.objects.count(), JournalLine.objects.count()) == (0, 0)


def test_posting_twice_with_the_same_key_posts_once():
    first = post("capture:1")
    second = post("capture:1", [debit(GR, 5), credit(CC, 5)])
    assert first.pk == second.pk
    assert JournalEntry.objects.count() == 1 and JournalLine.objects.count() == 2


def test_a_negative_amount_posts_on_the_other_side():
    seller = make_seller()
    payable = AccountRef(AccountKind.SELLER_PAYABLE, "EUR", seller.pk)
    entry = post(postings=[credit(payable, -30), credit(CC, 30)])
    assert sorted((line.debit_minor, line.credit_minor) for line in entry.lines.all()) == [(0, 30), (30, 0)]


def test_entries_and_lines_are_never_changed_or_deleted_by_the_orm():
    entry = post()
    line = entry.lines.first()
    entry.description = "changed"
    for action in (entry.save, entry.delete, line.save, line.delete):
        with pytest.raises(ImmutableEntry):
            action()
    with pytest.raises(ImmutableEntry):
        JournalLine.objects.filter(pk=line.pk).update(debit_minor=1)
    with pytest.raises(ImmutableEntry):
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.get().description == "test"


def test_a_correction_is_a_reversing_entry_and_an_entry_is_reversed_once():
    entry = post()
    reversal = entry_reverse(entry_id=entry.pk)
    assert entry_reverse(entry_id=entry.pk).pk == reversal.pk
    assert reversal.reverses_id == entry.pk
    assert all(row["balance_minor"] == 0 for row in trial_balance())
    assert JournalEntry.objects.count() == 2 and unbalanced_entry_ids() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL only")
def test_postgresql_refuses_updates_deletes_and_unbalanced_lines_written_behind_the_service():
    entry = post()
    line = entry.lines.first()
    with connection.cursor() as cursor:
        for sql in (
            "UPDATE ledger_journalline SET debit_minor = debit_minor + 1 WHERE id = %s",
            "DELETE FROM ledger_journalline WHERE id = %s",
            "UPDATE ledger_journalentry SET description = 'x' WHERE id = %s",
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute(sql, [line.pk if "line" in sql else entry.pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO ledger_journalline (entry_id, account_id, debit_minor, credit_minor, currency)"
                " VALUES (%s, %s, 7, 0, 'EUR')",
                [entry.pk, line.account_id],
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert entry.lines.count() == 2
