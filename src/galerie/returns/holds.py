"""Keep a withdrawn part of a seller order out of the seller's reach until its refund or closing.

At the withdrawal statement, what the seller order still holds for the withdrawn value (its
price, and the standard delivery when the whole seller order is withdrawn) moves back to the
customer clearing tagged with that seller order — the place the ledger's refund of a
``seller-order-<uuid>-…`` key takes from first (ledger/postings.py ``refund_post``). So the
availability posting at the end of the period (ledger/availability.py) moves only what is left,
and no payout pays the withdrawn part. The hold is split over the part's payable, available
balance (beyond which: seller debt), commission and commission VAT pro rata of what the part
holds on each (largest remainder), like a refund.

At the refund, what was held beyond the amount refunded (the depreciation the seller keeps)
goes back to the seller, split in the hold's proportions; at a refusal, all of it does. It
goes to the seller's available balance if the part was made available meanwhile, else to
its payable (made available by the period's end).
"""

from __future__ import annotations

from django.db import transaction

from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.ledger.models import AccountKind, JournalEntry
from galerie.ledger.selectors import owed_by_kind, seller_position
from galerie.ledger.services import AccountRef, credit, debit, entry_post, seller_funds_lock
from galerie.payments.models import Payment
from galerie.returns.models import Return

PAYABLE, AVAILABLE, DEBT = (
    AccountKind.SELLER_PAYABLE,
    AccountKind.SELLER_AVAILABLE,
    AccountKind.SELLER_DEBT,
)
COMMISSION, VAT, CC = (
    AccountKind.COMMISSION_REVENUE,
    AccountKind.COMMISSION_VAT,
    AccountKind.CUSTOMER_CLEARING,
)
KEYS = ("payable", "available", "debt", "commission", "vat")


def return_hold_post(*, ret: Return, amount_minor: int, again: bool = False) -> dict[str, int]:
    """Move up to ``amount_minor`` of what the return's seller order holds to its clearing; return
    the split (``Return.held_minor``). The caller holds the transaction; locks the payment, then
    the seller's funds (the ledger's order)."""
    part = ret.seller_order
    payment = lock_row(Payment.objects.all(), part.order.payment_id)
    seller_funds_lock(seller_ids=[part.seller_id], currency=payment.currency)
    owed = owed_by_kind(payment_id=payment.pk, seller_order_id=part.pk)
    weights = [
        max(owed.get(PAYABLE, 0), 0),
        max(owed.get(AVAILABLE, 0) + owed.get(DEBT, 0), 0),
        max(owed.get(COMMISSION, 0), 0),
        max(owed.get(VAT, 0), 0),
    ]
    take = min(amount_minor, sum(weights))
    if take <= 0:
        # Recorded as a hold of nothing (not ``{}``, "never held"): the part holds nothing of this
        # return's value any more (an incident or another return gave it back or holds it), so
        # its refund is at most zero (services ``_decide_refund``).
        return dict.fromkeys(KEYS, 0)
    payable, available, commission, vat = (
        m.amount_minor for m in Money(take, payment.currency).allocate(weights)
    )
    # Beyond the seller's available balance (paid out already), the hold is a seller debt.
    balance = max(seller_position(seller_id=part.seller_id, currency=payment.currency)["available"], 0)
    from_available = min(available, balance)
    held = {
        "payable": payable,
        "available": from_available,
        "debt": available - from_available,
        "commission": commission,
        "vat": vat,
    }
    about = {"payment_id": payment.pk, "seller_order_id": part.pk}
    cur, seller = payment.currency, part.seller_id
    entry_post(
        # ``again``: the operator overrules a refusal, whose release gave the hold back already.
        idempotency_key=f"return-hold:{ret.pk}" + (":overruled" if again else ""),
        kind=JournalEntry.Kind.ADJUSTMENT,
        description=f"Withdrawal {ret.pk} of seller order {part.number}: held until refunded",
        postings=[
            debit(AccountRef(PAYABLE, cur, seller), held["payable"], **about),
            debit(AccountRef(AVAILABLE, cur, seller), held["available"], **about),
            debit(AccountRef(DEBT, cur, seller), held["debt"], **about),
            debit(AccountRef(COMMISSION, cur), held["commission"], **about),
            debit(AccountRef(VAT, cur), held["vat"], **about),
            credit(AccountRef(CC, cur), take, **about),
        ],
    )
    return held


@transaction.atomic
def return_hold_release(*, ret: Return, refunded_minor: int) -> JournalEntry | None:
    """Give back to the seller what the hold kept beyond ``refunded_minor``; once per return."""
    held = {key: int(ret.held_minor.get(key, 0)) for key in KEYS}
    total = sum(held.values())
    release = total - min(refunded_minor, total)
    if release <= 0:
        return None
    part = ret.seller_order
    payment = lock_row(Payment.objects.all(), part.order.payment_id)
    seller_funds_lock(seller_ids=[part.seller_id], currency=payment.currency)
    weights = [held["payable"] + held["available"] + held["debt"], held["commission"], held["vat"]]
    seller_share, commission, vat = (
        m.amount_minor for m in Money(release, payment.currency).allocate(weights)
    )
    cur, seller = payment.currency, part.seller_id
    about = {"payment_id": payment.pk, "seller_order_id": part.pk}
    to_debt = min(seller_share, held["debt"])
    made_available = JournalEntry.objects.filter(idempotency_key=f"availability:{part.pk}").exists()
    rest_kind = AVAILABLE if made_available or held["available"] or held["debt"] else PAYABLE
    key = f"return-release:{ret.pk}"
    if JournalEntry.objects.filter(idempotency_key=key).exists():
        key += ":overruled"  # released at the refusal, held again when the operator overruled it
    return entry_post(
        idempotency_key=key,
        kind=JournalEntry.Kind.ADJUSTMENT,
        description=f"Withdrawal {ret.pk} of seller order {part.number}: kept by the seller",
        postings=[
            debit(AccountRef(CC, cur), release, **about),
            credit(AccountRef(DEBT, cur, seller), to_debt, **about),
            credit(AccountRef(rest_kind, cur, seller), seller_share - to_debt, **about),
            credit(AccountRef(COMMISSION, cur), commission, **about),
            credit(AccountRef(VAT, cur), vat, **about),
        ],
    )
