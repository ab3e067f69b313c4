"""Every write to the ledger: open an account, post an entry, reverse an entry.

An entry is posted once per idempotency key, all its lines or none, and only if its debits
equal its credits in every currency. Nothing here updates or deletes a posted row.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from galerie.core.locking import lock_rows
from galerie.core.money import Money, MoneyError
from galerie.ledger.errors import InvalidPosting, UnbalancedEntry
from galerie.ledger.models import Account, AccountKind, JournalEntry, JournalLine


@dataclass(frozen=True)
class AccountRef:
    """Names an account without a query: its kind, currency and (for payables) seller."""

    kind: str
    currency: str
    seller_id: int | None = None


@dataclass(frozen=True)
class Posting:
    """One line to post: exactly one of ``debit_minor``/``credit_minor`` is positive."""

    account: AccountRef
    debit_minor: int = 0
    credit_minor: int = 0
    payment_id: int | None = None
    seller_order_id: int | None = None


def debit(
    account: AccountRef,
    amount_minor: int,
    *,
    payment_id: int | None = None,
    seller_order_id: int | None = None,
) -> Posting:
    """Return a debit of ``amount_minor`` (a negative amount becomes a credit)."""
    if amount_minor < 0:
        return Posting(
            account, credit_minor=-amount_minor, payment_id=payment_id, seller_order_id=seller_order_id
        )
    return Posting(account, debit_minor=amount_minor, payment_id=payment_id, seller_order_id=seller_order_id)


def credit(
    account: AccountRef,
    amount_minor: int,
    *,
    payment_id: int | None = None,
    seller_order_id: int | None = None,
) -> Posting:
    """Return a credit of ``amount_minor`` (a negative amount becomes a debit)."""
    if amount_minor < 0:
        return Posting(
            account, debit_minor=-amount_minor, payment_id=payment_id, seller_order_id=seller_order_id
        )
    return Posting(account, credit_minor=amount_minor, payment_id=payment_id, seller_order_id=seller_order_id)


def account_get_or_create(*, kind: str, currency: str, seller_id: int | None = None) -> Account:
    """Return the account of this kind, currency and seller, opening it on first use."""
    lookup = {"kind": kind, "currency": currency, "seller_id": seller_id}
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup)
    except IntegrityError:  # opened concurrently
        return Account.objects.get(**lookup)


def _validate(idempotency_key: str, postings: Sequence[Posting]) -> list[Posting]:
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() or len(idempotency_key) > 120:
        raise InvalidPosting("The idempotency key must be 1 to 120 characters.", field="idempotency_key")
    lines = [p for p in postings if p.debit_minor or p.credit_minor]
    if len(lines) < 2:
        raise InvalidPosting("An entry needs at least two non-zero lines.", field="postings")
    totals: dict[str, int] = defaultdict(int)
    for p in lines:
        for value in (p.debit_minor, p.credit_minor):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidPosting(f"Amounts are non-negative integers of minor units, not {value!r}.")
        if p.debit_minor and p.credit_minor:
            raise InvalidPosting("A line is a debit or a credit, not both.", field="postings")
        if p.account.kind not in AccountKind.values:
            raise InvalidPosting(f"{p.account.kind!r} is not an account kind.", field="postings")
        if (p.account.kind in Account.PER_SELLER) != (p.account.seller_id is not None):
            raise InvalidPosting(
                f"A {p.account.kind} account {'needs' if p.account.kind in Account.PER_SELLER else 'has no'}"
                " seller.",
                field="postings",
            )
        try:
            Money(0, p.account.currency)
        except MoneyError as error:
            raise InvalidPosting(str(error), field="postings") from None
        totals[p.account.currency] += p.debit_minor - p.credit_minor
    off = {currency: diff for currency, diff in totals.items() if diff}
    if off:
        detail = ", ".join(f"{c}: debits - credits = {d}" for c, d in sorted(off.items()))
        raise UnbalancedEntry(f"The entry does not balance ({detail}); nothing was posted.")
    return lines


@transaction.atomic
def entry_post(
    *,
    idempotency_key: str,
    kind: str,
    description: str,
    postings: Sequence[Posting],
    event_uuid: uuid.UUID | str | None = None,
    reverses_id: int | None = None,
) -> JournalEntry:
    """Post a balanced entry once per key; return it (the existing one if the key was posted).

    Raise UnbalancedEntry or InvalidPosting, writing nothing, if debits differ from credits in
    any currency or a line is malformed. On PostgreSQL a deferred trigger re-checks the balance
    at commit and other triggers refuse any UPDATE or DELETE of entries and lines.
    """
    existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    lines = _validate(idempotency_key, postings)
    accounts = {
        ref: account_get_or_create(kind=ref.kind, currency=ref.currency, seller_id=ref.seller_id)
        for ref in sorted({p.account for p in lines}, key=lambda r: (r.kind, r.currency, r.seller_id or 0))
    }
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                idempotency_key=idempotency_key,
                kind=kind,
                description=description[:255],
                event_uuid=event_uuid,
                reverses_id=reverses_id,
            )
    except IntegrityError:  # the same key posted concurrently: that one counts
        return JournalEntry.objects.get(idempotency_key=idempotency_key)
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            account=accounts[p.account],
            debit_minor=p.debit_minor,
            credit_minor=p.credit_minor,
            currency=p.account.currency,
            payment_id=p.payment_id,
            seller_order_id=p.seller_order_id,
        )
        for p in lines
    )
    return entry


@transaction.atomic
def entry_reverse(*, entry_id: int, description: str = "") -> JournalEntry:
    """Post the mirror image of an entry (debits become credits); an entry is reversed once."""
    entry = JournalEntry.objects.get(pk=entry_id)
    postings = [
        Posting(
            AccountRef(line.account.kind, line.currency, line.account.seller_id),
            debit_minor=line.credit_minor,
            credit_minor=line.debit_minor,
            payment_id=line.payment_id,
            seller_order_id=line.seller_order_id,
        )
        for line in entry.lines.select_related("account")
    ]
    return entry_post(
        idempotency_key=f"reversal:{entry.pk}",
        kind=JournalEntry.Kind.REVERSAL,
        description=description or f"Reversal of #{entry.pk} {entry.description}",
        postings=postings,
        reverses_id=entry.pk,
    )


def seller_funds_lock(*, seller_ids: Sequence[int], currency: str) -> None:
    """Lock the sellers' available-balance accounts (opening them), lowest id first.

    Every posting that reads or changes a seller's available balance or debt (availability,
    refund, payout) takes this lock, so a payout never pays cents a concurrent refund takes.
    """
    accounts = [
        account_get_or_create(kind=AccountKind.SELLER_AVAILABLE, currency=currency, seller_id=seller_id)
        for seller_id in sorted(set(seller_ids))
    ]
    lock_rows(Account.objects.all(), [a.pk for a in accounts])
