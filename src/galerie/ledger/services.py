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
from django.db.models import Q
from django.utils import timezone

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


@dataclass(frozen=True)
class NewEntry:
    """An entry to post with ``entries_post``: the arguments of ``entry_post``."""

    idempotency_key: str
    kind: str
    description: str
    postings: Sequence[Posting]
    event_uuid: uuid.UUID | str | None = None
    reverses_id: int | None = None


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
    spec = NewEntry(idempotency_key, kind, description, postings, event_uuid, reverses_id)
    return entries_post([spec])[0]


def entries_post(entries: Sequence[NewEntry]) -> list[JournalEntry]:
    """Post many balanced entries in one transaction, in a fixed number of queries; return them
    in order (for a key already posted, or repeated in ``entries``, the entry posted first).

    Every entry is checked before anything is written: one unbalanced or malformed entry (whose
    key was not posted before) raises UnbalancedEntry or InvalidPosting and nothing is written.
    The same database guards stand behind it as behind ``entry_post`` (one INSERT of the
    entries, one of all their lines; the deferred balance trigger checks each entry at commit).
    """
    checked: list[tuple[NewEntry, list[Posting]]] = []
    refused: list[tuple[NewEntry, Exception]] = []
    for spec in entries:
        try:
            checked.append((spec, _validate(spec.idempotency_key, spec.postings)))
        except (InvalidPosting, UnbalancedEntry) as refusal:
            refused.append((spec, refusal))
    if refused:
        # As before: a key already posted returns its entry, whatever is posted again with it.
        keys = [spec.idempotency_key for spec, _ in refused if isinstance(spec.idempotency_key, str)]
        known = set(
            JournalEntry.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
        )
        for spec, reason in refused:
            if spec.idempotency_key not in known:
                raise reason
    if not entries:
        return []
    # No savepoint: nothing below is expected to fail (conflicts are skipped by the database),
    # and an unexpected database error must roll the caller's transaction back anyway.
    with transaction.atomic(savepoint=False):
        fresh: dict[str, tuple[NewEntry, list[Posting]]] = {}
        for spec, lines in checked:
            fresh.setdefault(spec.idempotency_key, (spec, lines))
        posted = _entries_insert([spec for spec, _ in fresh.values()])
        if posted:
            accounts = _accounts_for({p.account for key in posted for p in fresh[key][1]})
            JournalLine.objects.bulk_create(
                [
                    JournalLine(
                        entry_id=posted[key].pk,
                        account_id=accounts[p.account],
                        debit_minor=p.debit_minor,
                        credit_minor=p.credit_minor,
                        currency=p.account.currency,
                        payment_id=p.payment_id,
                        seller_order_id=p.seller_order_id,
                    )
                    for key in posted
                    for p in fresh[key][1]
                ],
                batch_size=2000,
            )
        wanted = [spec.idempotency_key for spec in entries]
        missing = [key for key in wanted if key not in posted]
        found = dict(posted)
        if missing:  # posted before (or concurrently): those count
            found.update(
                (e.idempotency_key, e) for e in JournalEntry.objects.filter(idempotency_key__in=missing)
            )
    return [found[key] for key in wanted]


ENTRY_COLUMNS = ("idempotency_key", "kind", "description", "event_uuid", "reverses", "posted_at")


def _entries_insert(specs: Sequence[NewEntry]) -> dict[str, JournalEntry]:
    """INSERT the entries, skipping keys already posted (ON CONFLICT DO NOTHING, so a concurrent
    post of the same key waits for it and neither fails); return the inserted ones by key."""
    connection = transaction.get_connection()
    meta = JournalEntry._meta
    fields = [meta.get_field(name) for name in ENTRY_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[union-attr]
    now = timezone.now()
    inserted: dict[str, JournalEntry] = {}
    for start in range(0, len(specs), 500):
        chunk = [
            JournalEntry(
                idempotency_key=spec.idempotency_key,
                kind=spec.kind,
                description=spec.description[:255],
                event_uuid=spec.event_uuid,
                reverses_id=spec.reverses_id,
                posted_at=now,
            )
            for spec in specs[start : start + 500]
        ]
        params = [
            f.get_db_prep_save(getattr(entry, f.attname), connection)  # type: ignore[union-attr]
            for entry in chunk
            for f in fields
        ]
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES "
            + ", ".join([row] * len(chunk))
            + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = dict((key, pk) for pk, key in cursor.fetchall())
        for entry in chunk:
            if entry.idempotency_key in ids:
                entry.pk = ids[entry.idempotency_key]
                entry._state.adding = False
                entry._state.db = connection.alias
                inserted[entry.idempotency_key] = entry
    return inserted


def _accounts_select(refs: set[AccountRef]) -> dict[AccountRef, int]:
    shared = {r.kind for r in refs if r.seller_id is None}
    per_seller = {r.kind for r in refs if r.seller_id is not None}
    where = Q(pk__in=[])
    if shared:
        where |= Q(seller__isnull=True, kind__in=shared)
    if per_seller:
        where |= Q(seller_id__in={r.seller_id for r in refs if r.seller_id is not None}, kind__in=per_seller)
    rows = Account.objects.filter(where, currency__in={r.currency for r in refs}).values_list(
        "pk", "kind", "currency", "seller_id"
    )
    found = {AccountRef(kind, currency, seller_id): pk for pk, kind, currency, seller_id in rows}
    return {ref: found[ref] for ref in refs if ref in found}


def _accounts_for(refs: set[AccountRef]) -> dict[AccountRef, int]:
    """Return the accounts' ids, opening the missing ones (one query when they all exist)."""
    found = _accounts_select(refs)
    missing = sorted(refs - found.keys(), key=lambda r: (r.kind, r.currency, r.seller_id or 0))
    if missing:  # opened concurrently by another transaction: skipped here, found below
        Account.objects.bulk_create(
            [Account(kind=r.kind, currency=r.currency, seller_id=r.seller_id) for r in missing],
            ignore_conflicts=True,
        )
        found.update(_accounts_select(set(missing)))
    return found


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
    Two queries whatever the number of sellers (three when an account must be opened).
    """
    accounts = _accounts_for({AccountRef(AccountKind.SELLER_AVAILABLE, currency, s) for s in seller_ids})
    lock_rows(Account.objects.all(), accounts.values())
