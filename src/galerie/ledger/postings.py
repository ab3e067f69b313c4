"""What each payment and order event posts to the ledger (docs/ledger.md has the table).

Each posting has an idempotency key that belongs to the business fact (the capture of payment
P, the refund R …), so an event delivered twice, or two events about the same fact, post once.
Postings about one payment are serialised by locking the payment's row: the amounts they take
are read from the lines already posted, and two workers must not both take the same cents.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Sum

from galerie.core.locking import lock_row
from galerie.core.money import Money
from galerie.ledger.models import AccountKind, JournalEntry
from galerie.ledger.selectors import owed_by_kind, seller_position
from galerie.ledger.services import AccountRef, Posting, credit, debit, entry_post, seller_funds_lock
from galerie.orders.models import SELLER_ORDER_REFUND_KEY, Order, OrderLine, SellerOrder
from galerie.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

GR = AccountKind.GATEWAY_RECEIVABLE
CC = AccountKind.CUSTOMER_CLEARING
PAYABLE = AccountKind.SELLER_PAYABLE
COMMISSION = AccountKind.COMMISSION_REVENUE
VAT = AccountKind.COMMISSION_VAT
AVAILABLE = AccountKind.SELLER_AVAILABLE
DEBT = AccountKind.SELLER_DEBT
FEES = AccountKind.PAYMENT_FEES
GOODWILL = AccountKind.OPERATOR_GOODWILL
CLOSED = (SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED)

EventUuid = uuid.UUID | str | None

# A refund the operator pays from its own account and charges to one seller order's seller
# afterwards (docs/ledger.md, "Refunds paid by the operator"): the incidents' operator decision.
OPERATOR_PAID_REFUND_KEY = re.compile(r"^operator-paid-seller-order-([0-9a-f]{32})-")
INCIDENT_REFUND = re.compile(r"-incident-\d+$")  # incidents' refund keys (docs/incidents.md)


@transaction.atomic
def payment_captured_post(*, payment_id: int, event_uuid: EventUuid = None) -> list[JournalEntry]:
    """Post the capture of a payment, then allocate its order (if any) to sellers and commission.

    Capture: Dr gateway receivable / Cr customer clearing. The gateway's fee on it, if any:
    Dr payment fees / Cr gateway receivable (the gateway keeps it out of what it settles).
    Allocation: see ``_allocate``. Locks the payment's row. Does nothing while the payment is
    not captured.
    """
    payment = lock_row(Payment.objects.all(), payment_id)
    if payment.captured_minor <= 0:
        return []
    about = {"payment_id": payment.pk}
    posted = [
        entry_post(
            idempotency_key=f"capture:{payment.pk}",
            kind=JournalEntry.Kind.CAPTURE,
            description=f"Payment {payment.pk} captured",
            postings=[
                debit(AccountRef(GR, payment.currency), payment.captured_minor, **about),
                credit(AccountRef(CC, payment.currency), payment.captured_minor, **about),
            ],
            event_uuid=event_uuid,
        )
    ]
    if payment.fee_minor > 0:
        posted.append(
            entry_post(
                idempotency_key=f"payment-fee:{payment.pk}",
                kind=JournalEntry.Kind.PAYMENT_FEE,
                description=f"Gateway fee on payment {payment.pk}",
                postings=[
                    debit(AccountRef(FEES, payment.currency), payment.fee_minor, **about),
                    credit(AccountRef(GR, payment.currency), payment.fee_minor, **about),
                ],
                event_uuid=event_uuid,
            )
        )
    order = Order.objects.filter(payment_id=payment.pk).first()
    if order is not None and (entry := _allocate(order, payment, event_uuid)) is not None:
        posted.append(entry)
    return posted


def _allocate(order: Order, payment: Payment, event_uuid: EventUuid) -> JournalEntry | None:
    """Dr customer clearing / Cr each open seller order's payable (its total minus commission and
    VAT on commission), commission revenue and commission VAT. A part refused or cancelled before
    the capture stays in clearing until its refund."""
    if payment.captured_minor != order.total_minor:
        logger.warning("order %s: captured %s ≠ total %s, left in clearing", order.pk, payment, order)
        return None
    parts = list(
        SellerOrder.objects.filter(order=order)
        .exclude(status__in=CLOSED)
        .order_by("pk")
        .values("pk", "seller_id", "total_minor")
    )
    commissions = {
        row["seller_order_id"]: row
        for row in OrderLine.objects.filter(seller_order_id__in=[p["pk"] for p in parts])
        .order_by()
        .values("seller_order_id")
        .annotate(
            c=Sum("commission_minor"), s=Sum("commission_shipping_minor"), v=Sum("commission_vat_minor")
        )
    }
    currency = order.currency
    postings: list[Posting] = []
    allocated = 0
    for part in parts:
        row = commissions.get(part["pk"], {"c": 0, "s": 0, "v": 0})
        commission, vat = row["c"] + row["s"], row["v"]
        about = {"payment_id": payment.pk, "seller_order_id": part["pk"]}
        postings += [
            credit(
                AccountRef(PAYABLE, currency, part["seller_id"]),
                part["total_minor"] - commission - vat,
                **about,
            ),
            credit(AccountRef(COMMISSION, currency), commission, **about),
            credit(AccountRef(VAT, currency), vat, **about),
        ]
        allocated += part["total_minor"]
    if not allocated:
        return None
    postings.append(debit(AccountRef(CC, currency), allocated, payment_id=payment.pk))
    return entry_post(
        idempotency_key=f"allocation:{order.pk}",
        kind=JournalEntry.Kind.ALLOCATION,
        description=f"Order {order.number} allocated",
        postings=postings,
        event_uuid=event_uuid,
    )


@transaction.atomic
def order_placed_post(*, order_id: int, event_uuid: EventUuid = None) -> list[JournalEntry]:
    """Post the capture and allocation of an order whose payment was captured before it existed."""
    payment_id = Order.objects.filter(pk=order_id).values_list("payment_id", flat=True).first()
    return [] if payment_id is None else payment_captured_post(payment_id=payment_id, event_uuid=event_uuid)


@transaction.atomic
def seller_order_reversal_post(*, seller_order_id: int, event_uuid: EventUuid = None) -> JournalEntry | None:
    """Move what a refused or cancelled seller order still holds back to customer clearing.

    Dr the seller's payable, commission revenue and commission VAT by what this seller order has
    left on each / Cr customer clearing (tagged with the seller order), where its refund takes it.
    """
    part = SellerOrder.objects.select_related("order").get(pk=seller_order_id)
    if part.status not in CLOSED:
        return None
    payment = lock_row(Payment.objects.all(), part.order.payment_id)
    owed = owed_by_kind(payment_id=payment.pk, seller_order_id=part.pk)
    held = [owed.get(PAYABLE, 0), owed.get(COMMISSION, 0), owed.get(VAT, 0)]
    if not any(held):
        return None
    currency, about = payment.currency, {"payment_id": payment.pk, "seller_order_id": part.pk}
    return entry_post(
        idempotency_key=f"seller-order-reversal:{part.pk}",
        kind=JournalEntry.Kind.SELLER_ORDER_REVERSAL,
        description=f"Seller order {part.number} {part.status}",
        postings=[
            debit(AccountRef(PAYABLE, currency, part.seller_id), held[0], **about),
            debit(AccountRef(COMMISSION, currency), held[1], **about),
            debit(AccountRef(VAT, currency), held[2], **about),
            credit(AccountRef(CC, currency), sum(held), **about),
        ],
        event_uuid=event_uuid,
    )


class _RefundTaker:
    """Takes a refund's amount from the places that hold the customer's money, in order."""

    def __init__(self, payment: Payment, amount_minor: int) -> None:
        self.payment, self.currency, self.left = payment, payment.currency, amount_minor
        self.postings: list[Posting] = [
            credit(AccountRef(GR, self.currency), amount_minor, payment_id=payment.pk)
        ]

    def clearing(self, seller_order_id: int | None) -> None:
        held = owed_by_kind(payment_id=self.payment.pk, seller_order_id=seller_order_id).get(CC, 0)
        taken = min(self.left, max(held, 0))
        if taken:
            about = {"payment_id": self.payment.pk, "seller_order_id": seller_order_id}
            self.postings.append(debit(AccountRef(CC, self.currency), taken, **about))
            self.left -= taken

    def parts(self, parts: Iterable[SellerOrder]) -> None:
        """Take pro rata of what each part holds; within a part, pro rata of payable, commission
        and VAT; both splits by the largest-remainder method."""
        holdings = []
        for part in parts:
            owed = owed_by_kind(payment_id=self.payment.pk, seller_order_id=part.pk)
            # What the seller still holds of the part once available: available minus the debts
            # earlier refunds of this part created (both tagged with the part).
            available = owed.get(AVAILABLE, 0) + owed.get(DEBT, 0)
            held = [owed.get(PAYABLE, 0), available, owed.get(COMMISSION, 0), owed.get(VAT, 0)]
            if sum(held) > 0:
                holdings.append((part, held))
        total = sum(sum(held) for _, held in holdings)
        if not self.left or total <= 0:
            return
        if self.left >= total:
            takes = [held for _, held in holdings]
        else:
            shares = Money(self.left, self.currency).allocate([sum(held) for _, held in holdings])
            takes = [
                [m.amount_minor for m in share.allocate([max(h, 0) for h in held])]
                for share, (_, held) in zip(shares, holdings, strict=True)
            ]
        for (part, _), (payable, available, commission, vat) in zip(holdings, takes, strict=True):
            about = {"payment_id": self.payment.pk, "seller_order_id": part.pk}
            self.postings += [
                debit(AccountRef(PAYABLE, self.currency, part.seller_id), payable, **about),
                debit(AccountRef(AVAILABLE, self.currency, part.seller_id), available, **about),
                debit(AccountRef(COMMISSION, self.currency), commission, **about),
                debit(AccountRef(VAT, self.currency), vat, **about),
            ]
            self.left -= payable + available + commission + vat

    def debts(self) -> None:
        """Turn what a refund takes beyond a seller's available balance (paid out already) into
        an explicit seller debt, netted by the next payouts. The caller holds the funds lock."""
        wanted: dict[int, int] = {}
        for p in self.postings:
            # An available-funds account always has a seller (a constraint on Account).
            if p.account.kind == AVAILABLE and p.account.seller_id is not None:
                wanted[p.account.seller_id] = wanted.get(p.account.seller_id, 0) + p.debit_minor
        balances = {
            seller_id: seller_position(seller_id=seller_id, currency=self.currency)["available"]
            for seller_id in wanted
        }
        postings: list[Posting] = []
        for p in self.postings:
            seller_id = p.account.seller_id
            if p.account.kind != AVAILABLE or not p.debit_minor or seller_id is None:
                postings.append(p)
                continue
            taken = min(p.debit_minor, max(balances[seller_id], 0))
            balances[seller_id] -= taken
            about = {"payment_id": p.payment_id, "seller_order_id": p.seller_order_id}
            postings.append(debit(p.account, taken, **about))
            postings.append(debit(AccountRef(DEBT, self.currency, seller_id), p.debit_minor - taken, **about))
        self.postings = postings

    def rest(self) -> None:
        """Whatever no one held (never, while refunds stay within captures) comes out of clearing."""
        if self.left:
            logger.warning(
                "payment %s: refund exceeds what the ledger holds by %s", self.payment.pk, self.left
            )
            self.postings.append(debit(AccountRef(CC, self.currency), self.left, payment_id=self.payment.pk))
            self.left = 0


@transaction.atomic
def refund_post(*, refund_id: int, event_uuid: EventUuid = None) -> JournalEntry | None:
    """Post a succeeded refund: Cr gateway receivable / Dr where the money was (docs/ledger.md).

    A refund of a refused or cancelled seller order (recognised by its key) is taken from that
    part first; any other refund from unallocated clearing first, then from every part pro rata.
    """
    refund = Refund.objects.get(pk=refund_id)
    if refund.status != Refund.Status.SUCCEEDED:
        return None
    payment = lock_row(Payment.objects.all(), refund.payment_id)
    if done := JournalEntry.objects.filter(idempotency_key=f"refund:{refund.pk}").first():
        return done
    if OPERATOR_PAID_REFUND_KEY.match(refund.idempotency_key):
        return operator_paid_refund_post(refund=refund, payment=payment, event_uuid=event_uuid)
    taker = _RefundTaker(payment, refund.amount_minor)
    order = Order.objects.filter(payment_id=payment.pk).first()
    parts = list(SellerOrder.objects.filter(order=order).order_by("pk")) if order else []
    match = SELLER_ORDER_REFUND_KEY.match(refund.idempotency_key)
    target = next((p for p in parts if match and p.uuid.hex == match.group(1)), None)
    if target is not None:
        others = [p for p in parts if p.pk != target.pk]
        if INCIDENT_REFUND.search(refund.idempotency_key):
            # An incident's refund comes out of what the part still holds for the seller: its
            # clearing may hold a withdrawal's value until that return is refunded (returns/holds.py).
            taker.parts([target])
            taker.clearing(target.pk)
        else:
            taker.clearing(target.pk)
            taker.parts([target])
        taker.clearing(None)
        # Only after an unattributed partial refund can a part's refund exceed what it holds:
        # the rest is the customer's money of the same order, held by the other parts.
        taker.parts(others)
        for part in others:
            taker.clearing(part.pk)
    else:
        taker.clearing(None)
        taker.parts(parts)
        for part in parts:
            taker.clearing(part.pk)
    taker.rest()
    sellers = [
        p.account.seller_id
        for p in taker.postings
        if p.account.kind == AVAILABLE and p.debit_minor and p.account.seller_id is not None
    ]
    if sellers:
        seller_funds_lock(seller_ids=sellers, currency=payment.currency)
        taker.debts()
    return entry_post(
        idempotency_key=f"refund:{refund.pk}",
        kind=JournalEntry.Kind.REFUND,
        description=f"Refund {refund.pk} of payment {payment.pk}",
        postings=taker.postings,
        event_uuid=event_uuid,
    )


def operator_paid_refund_post(
    *, refund: Refund, payment: Payment, event_uuid: EventUuid = None
) -> JournalEntry:
    """Post a refund the operator pays from its own account, then charge it to the seller.

    Called by ``refund_post`` (the payment's row locked) for a key matching
    ``OPERATOR_PAID_REFUND_KEY``. Two entries:
    ``refund:<refund>``: Dr operator_goodwill / Cr gateway_receivable, the amount (the operator's
    money goes back to the card, whatever the seller order still holds);
    ``seller-charge:<refund>``: Dr what the seller order holds, split as a refund of that part
    would be (payable, available — beyond the seller's balance, seller debt —, commission, VAT)
    / Cr operator_goodwill. What the part no longer holds stays on operator_goodwill: the
    operator's own loss. Takes the seller's funds lock.
    """
    match = OPERATOR_PAID_REFUND_KEY.match(refund.idempotency_key)
    part = SellerOrder.objects.filter(uuid=match.group(1)).first() if match else None
    currency, amount = payment.currency, refund.amount_minor
    about = {"payment_id": payment.pk, "seller_order_id": part.pk if part else None}
    paid = entry_post(
        idempotency_key=f"refund:{refund.pk}",
        kind=JournalEntry.Kind.REFUND,
        description=f"Refund {refund.pk} of payment {payment.pk}, paid by the operator",
        postings=[
            debit(AccountRef(GOODWILL, currency), amount, **about),
            credit(AccountRef(GR, currency), amount, payment_id=payment.pk),
        ],
        event_uuid=event_uuid,
    )
    if part is None or part.order.payment_id != payment.pk:
        logger.warning("refund %s: no seller order of payment %s to charge", refund.pk, payment.pk)
        return paid
    taker = _RefundTaker(payment, amount)
    taker.parts([part])
    charged = amount - taker.left
    if charged <= 0:
        return paid
    # The same lines as a refund of the part, but the credit recovers the operator's money.
    taker.postings[0] = credit(AccountRef(GOODWILL, currency), charged, **about)
    seller_funds_lock(seller_ids=[part.seller_id], currency=currency)
    taker.debts()
    entry_post(
        idempotency_key=f"seller-charge:{refund.pk}",
        kind=JournalEntry.Kind.SELLER_CHARGE,
        description=f"Refund {refund.pk} paid by the operator, charged to seller order {part.number}",
        postings=taker.postings,
        event_uuid=event_uuid,
    )
    return paid
