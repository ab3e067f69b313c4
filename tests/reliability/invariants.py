"""The promises of Galerie as checks over the whole database: never an order, a cent or a record
lost (docs/reliability.md). Reusable by any test that breaks something and wants to know whether
anything was lost: ``assert violations() == []`` once the system has settled (worker and
``galerie reconcile`` run).

Each check returns a list of plain sentences, one per violation, naming the rows: empty means
the promise holds. They read the real tables, ours and the test gateway's (the provider's own
books, in the same database), and trust nothing the services say about themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from django.db.models import Count, Sum

from galerie.checkout.models import CheckoutAttempt, StockReservation
from galerie.core.models import OutboxEvent
from galerie.ledger.models import JournalEntry, JournalLine, Payout
from galerie.ledger.selectors import unbalanced_entry_ids
from galerie.offers.models import Offer
from galerie.orders.models import Order, OrderLine
from galerie.payments.models import Payment, ProviderCharge, ProviderRefund, Refund

TAKEN = (Payment.Status.CAPTURE_PENDING, Payment.Status.CAPTURED, Payment.Status.REFUNDED)
ORDER_PAYMENT_OK = (Payment.Status.AUTHORIZED, *TAKEN)


def captured_payments_have_an_order() -> list[str]:
    """No payment captured (or being captured) without its order, unless refunded in full."""
    orphans = Payment.objects.filter(status__in=TAKEN, order__isnull=True).exclude(
        status=Payment.Status.REFUNDED
    )
    return [
        f"payment {p.pk} is {p.status} ({p.captured_minor} captured, {p.refunded_minor} refunded)"
        " with no order"
        for p in orphans
    ]


def orders_have_their_payment() -> list[str]:
    """No order without a payment record that authorized (or took) its amount."""
    return [
        f"order {o.number} has payment {o.payment_id} in status {o.payment.status}"
        for o in Order.objects.select_related("payment").exclude(payment__status__in=ORDER_PAYMENT_OK)
    ] + [
        f"order {o.number} is for {o.total_minor}, its payment {o.payment_id} for {o.payment.amount_minor}"
        for o in Order.objects.select_related("payment")
        if o.total_minor != o.payment.amount_minor
    ]


def authorizations_are_used_or_released() -> list[str]:
    """No authorization held on a card for nothing: an authorized payment has its order or an
    attempt still waiting on it."""
    idle = Payment.objects.filter(status=Payment.Status.AUTHORIZED, order__isnull=True).exclude(
        checkout_attempt__status=CheckoutAttempt.Status.RESERVED
    )
    return [f"payment {p.pk} is authorized with no order and no attempt waiting on it" for p in idle]


def gateway_agrees() -> list[str]:
    """What the test gateway did (charges, captures, refunds, in its own tables), we recorded."""
    problems = []
    ours = {p.provider_reference: p for p in Payment.objects.exclude(provider_reference="")}
    by_key = {p.idempotency_key: p for p in Payment.objects.filter(provider_reference="")}
    expect = {
        "authorized": {"authorized"},
        "captured": {"captured", "refunded"},
        "voided": {"voided"},
        "declined": {"declined"},
        "failed": {"failed"},
        "requires_action": {"requires_action", "failed"},
    }
    for charge in ProviderCharge.objects.all():
        payment = ours.get(charge.reference) or by_key.get(charge.idempotency_key.removeprefix("authorize:"))
        if payment is None:
            problems.append(f"the gateway has charge {charge.reference} ({charge.status}) we never recorded")
            continue
        if payment.status not in expect.get(charge.status, {charge.status}):
            problems.append(
                f"the gateway says charge {charge.reference} is {charge.status}; payment {payment.pk} is"
                f" {payment.status}"
            )
        if (payment.captured_minor, payment.refunded_minor) != (charge.captured_minor, charge.refunded_minor):
            problems.append(
                f"payment {payment.pk}: captured/refunded {payment.captured_minor}/{payment.refunded_minor},"
                f" the gateway {charge.captured_minor}/{charge.refunded_minor}"
            )
    refunds = {r.provider_reference: r for r in Refund.objects.exclude(provider_reference="")}
    for made in ProviderRefund.objects.filter(status=ProviderRefund.Status.SUCCEEDED):
        refund = refunds.get(made.reference)
        if refund is None or refund.status != Refund.Status.SUCCEEDED:
            state = "never recorded" if refund is None else f"recorded {refund.status}"
            problems.append(f"the gateway refunded {made.amount_minor} ({made.reference}): {state}")
    return problems


def ledger_is_balanced() -> list[str]:
    """Every journal entry balances, and so does the whole ledger, per currency."""
    problems = [f"journal entry {pk} does not balance" for pk in unbalanced_entry_ids()]
    totals = JournalLine.objects.values("currency").annotate(d=Sum("debit_minor"), c=Sum("credit_minor"))
    problems += [
        f"the ledger in {t['currency']}: debits {t['d']} ≠ credits {t['c']}"
        for t in totals
        if t["d"] != t["c"]
    ]
    return problems


def ledger_has_each_fact_once() -> list[str]:
    """Each capture, refund and payout is in the ledger exactly once (captures: when captured)."""
    problems = []
    captures = dict(
        JournalLine.objects.filter(entry__kind=JournalEntry.Kind.CAPTURE, payment__isnull=False)
        .values_list("payment_id")
        .annotate(n=Count("entry_id", distinct=True))
    )
    for payment in Payment.objects.filter(captured_minor__gt=0):
        if captures.get(payment.pk, 0) != 1:
            problems.append(
                f"payment {payment.pk} is captured; the ledger has {captures.get(payment.pk, 0)} captures"
            )
    posted = set(
        JournalEntry.objects.filter(kind=JournalEntry.Kind.REFUND).values_list("idempotency_key", flat=True)
    )
    for refund in Refund.objects.filter(status=Refund.Status.SUCCEEDED):
        if f"refund:{refund.pk}" not in posted:
            problems.append(f"refund {refund.pk} succeeded; the ledger never posted it")
    for payout in Payout.objects.values("run_id", "seller_id").annotate(n=Count("id")).filter(n__gt=1):
        problems.append(f"seller {payout['seller_id']} paid {payout['n']} times in run {payout['run_id']}")
    payouts = JournalEntry.objects.filter(kind=JournalEntry.Kind.PAYOUT).count()
    if payouts != Payout.objects.count():
        problems.append(f"{payouts} payout entries for {Payout.objects.count()} payouts")
    return problems


def stock_is_explained(initial: Mapping[int, int]) -> list[str]:
    """For each offer: stock now = stock at the start − sold (order lines) − still reserved."""
    sold = dict(
        OrderLine.objects.filter(offer_id__in=initial).values_list("offer_id").annotate(q=Sum("quantity"))
    )
    held: dict[int, int] = defaultdict(int)
    for offer_id, quantity in StockReservation.objects.filter(
        offer_id__in=initial, released=False, attempt__order__isnull=True
    ).values_list("offer_id", "quantity"):
        held[offer_id] += quantity
    now = dict(Offer.objects.filter(pk__in=initial).values_list("pk", "stock"))
    return [
        f"offer {pk}: stock {now[pk]}, but {start} at the start − {sold.get(pk, 0)} sold"
        f" − {held[pk]} reserved"
        f" = {start - sold.get(pk, 0) - held[pk]}"
        for pk, start in initial.items()
        if now[pk] != start - sold.get(pk, 0) - held[pk]
    ]


def nothing_left_hanging() -> list[str]:
    """Once settled: no attempt still reserved, no payment or refund waiting on the gateway, no
    outbox event failing or undelivered."""
    problems = [
        f"checkout attempt {a.pk} is still reserved"
        for a in CheckoutAttempt.objects.filter(status=CheckoutAttempt.Status.RESERVED)
    ]
    problems += [
        f"payment {p.pk} is still {p.status}"
        for p in Payment.objects.filter(
            status__in=[Payment.Status.PENDING, Payment.Status.CAPTURE_PENDING], order__isnull=False
        )
    ]
    problems += [
        f"refund {r.pk} is still pending" for r in Refund.objects.filter(status=Refund.Status.PENDING)
    ]
    problems += [
        f"outbox event {e.topic} #{e.pk} undelivered after {e.attempts} attempts: {e.last_error[-300:]}"
        for e in OutboxEvent.objects.filter(delivered_at__isnull=True)
    ]
    return problems


def violations(*, initial_stock: Mapping[int, int] | None = None, settled: bool = True) -> list[str]:
    """Every broken promise, as sentences: empty when nothing was lost. ``initial_stock``: offer id
    -> stock before the scenario (checks the stock too). ``settled``: the worker and the
    reconcilers have run, so nothing may still be waiting."""
    found = [
        *captured_payments_have_an_order(),
        *orders_have_their_payment(),
        *authorizations_are_used_or_released(),
        *gateway_agrees(),
        *ledger_is_balanced(),
        *ledger_has_each_fact_once(),
    ]
    if initial_stock is not None:
        found += stock_is_explained(initial_stock)
    if settled:
        found += nothing_left_hanging()
    return found
