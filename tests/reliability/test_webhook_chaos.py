"""Webhook chaos: 1,000 payments whose gateway events come 1 to 5 times, shuffled, hours late,
through the real webhook endpoint from several threads at once, while the worker runs.

At the end every payment and refund is what the provider says (``ProviderCharge``,
``ProviderRefund``), every side effect happened exactly once (outbox events, ledger entries,
refund e-mails, the order's refunded figure) and no status ever went backwards (the history
rows, and the statuses read between rounds). docs/reliability.md, "Webhook chaos".

The scenario is seeded: ``GALERIE_CHAOS_SEED=<n>`` replays which payment does what, its
amounts and refunds, and how many copies of each event go to which round (the threads'
interleaving varies, by design). The seed is printed; pytest shows it with a failure.
``GALERIE_CHAOS_PAYMENTS=<n>`` runs a smaller (or larger) batch.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import pytest
import time_machine
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from galerie.cart.services import cart_add
from galerie.checkout.models import CheckoutAttempt
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import handlers_autodiscover, worker_run
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.ledger.models import JournalEntry
from galerie.ledger.reports import reconciliation
from galerie.ledger.selectors import unbalanced_entry_ids
from galerie.notifications.models import SentEmail
from galerie.orders.models import Order
from galerie.orders.selectors import order_refunds
from galerie.payments.models import Payment, PaymentEvent, Refund
from galerie.payments.services import (
    payment_authorize,
    payment_capture,
    payment_refresh,
    payment_refund,
    payment_void,
)
from galerie.payments.testgateway.models import ProviderCharge, ProviderRefund, ProviderWebhook
from galerie.payments.testgateway.webhooks import SIGNATURE_HEADER, sign
from galerie.sellers.models import ShippingProfile
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("GALERIE_CHAOS_SEED", "20261205"))
PAYMENTS = int(os.environ.get("GALERIE_CHAOS_PAYMENTS", "1000"))
CHECKOUTS = PAYMENTS // 10  # of the payments, made by real checkouts (orders, e-mails, allocations)
THREADS = 3  # webhook senders at once, besides the worker's thread
SHOP_THREADS = 3  # requests served at once by the shop
LAST_ROUND = 4
RANK = {str(k): v for k, v in Payment.STATUS_RANK.items()}
REFUND_RANK = {"pending": 0, "succeeded": 1, "failed": 1}

SUCCEEDS, DECLINED, NO_FUNDS = "4242424242424242", "4000000000000002", "4000000000009995"
CONFIRM, ERROR = "4000000000003220", "4000000000000119"
# What happens to each payment made through the services, and how often.
KINDS = {
    "captured": 20,  # authorized, captured (capture_pending, then the webhook)
    "partly_refunded": 12,  # captured, then one or two refunds that leave something
    "fully_refunded": 12,  # captured, then refunded in one to three parts
    "declined": 8,
    "failed": 3,
    "confirmed": 10,  # requires_action, confirmed on the hosted page, then captured
    "confirmed_refunded": 5,  # … and refunded in full
    "cancelled": 5,  # requires_action, cancelled on the hosted page: declined
    "abandoned": 5,  # requires_action, never confirmed: the shop voids it
    "left_waiting": 2,  # requires_action, never confirmed, never voided
    "voided": 8,  # authorized, then voided
    "authorized": 5,  # authorized, never captured
}
ADDRESS = {"name": "Alice Martin", "line1": "3 rue des Lilas", "postal_code": "69003", "city": "Lyon"}


def card(number: str) -> dict:
    return {"type": "card", "number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123"}


@dataclass
class Plan:
    kind: str
    rng: random.Random  # this payment's own draws: the same whatever thread serves it
    key: str
    amount: int = 0
    payment_id: int = 0
    refunds: list[int] = field(default_factory=list)  # amounts still to ask, in order
    asked: int = 0  # refunds asked so far


@dataclass
class Deliveries:
    """Every copy of every provider event, each given to a round; what the receiver answered."""

    rng: random.Random
    rounds: dict[int, list[tuple[str, bytes, int]]] = field(default_factory=lambda: defaultdict(list))
    events: int = 0
    copies: int = 0
    duplicates: int = 0  # answered {"duplicate": true}
    late: int = 0  # delivered an hour or more after the event was made
    eager: int = 0  # sent while the shop was still recording the provider's answer
    answers: Counter = field(default_factory=Counter)
    seconds: float = 0.0  # spent in the delivery rounds (with the worker running beside)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def collect(self, current: int, last: int) -> None:
        """Take the events the provider queued since the last time (its own delivery job never
        runs here); plan 1 to 5 copies of each, in this round or a later one (at most ``last``)."""
        with self.lock:
            fresh = list(ProviderWebhook.objects.filter(delivered_at__isnull=True).order_by("pk"))
            ProviderWebhook.objects.filter(pk__in=[w.pk for w in fresh]).update(delivered_at=timezone.now())
            for webhook in fresh:
                self.events += 1
                created = json.loads(webhook.body)["created"]
                for _ in range(self.rng.randint(1, 5)):
                    # Half the copies now, the rest spread over the later rounds (hours late).
                    target = current if self.rng.random() < 0.5 else self.rng.randint(current, last)
                    self.rounds[target].append((webhook.event_id, webhook.body.encode(), created))
                    self.copies += 1

    def take(self, round_: int) -> list[tuple[str, bytes, int]]:
        with self.lock:
            batch = self.rounds.pop(round_, [])
            self.rng.shuffle(batch)
            return batch

    def send(self, client: Client, item: tuple[str, bytes, int], *, eager: bool = False) -> None:
        event_id, body, created = item
        answer = post_webhook(client, body)
        with self.lock:
            self.answers[event_id] += 1
            self.duplicates += bool(answer["duplicate"])
            self.late += time.time() - created >= 3600
            self.eager += eager


@contextmanager
def provider_in_a_hurry(deliveries: Deliveries, round_: int, last: int) -> Iterator[None]:
    """While the shop works, send this round's copies of each new event at once, from another
    thread: webhooks that overtake the provider's own answer to the shop."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        client = Client()
        try:
            while not stop.is_set():
                deliveries.collect(round_, last)
                for item in deliveries.take(round_):
                    deliveries.send(client, item, eager=True)
                stop.wait(0.002)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    assert not errors, errors


def chaos_handlers() -> dict:
    """Every outbox handler of the installation but the seller-order invoice's PDF rendering.

    The invoice of a placed seller order is no payment's side effect and costs ~0.3 s of
    WeasyPrint per order, more than all of that order's webhooks; its tests are in tests/invoices.
    """
    from galerie.invoices.handlers import seller_order_placed as invoice_pdf

    found = handlers_autodiscover()
    return {topic: [h for h in handlers if h is not invoice_pdf] for topic, handlers in found.items()}


def post_webhook(client: Client, body: bytes) -> dict:
    response = client.post(
        reverse("payments:webhook", args=["test"]),
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body)},
    )
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return response.json()


def deliver_round(deliveries: Deliveries, round_: int, handlers) -> None:
    """Send this round's copies, shuffled, from THREADS threads, while a worker thread runs."""
    began = time.monotonic()
    batch = deliveries.take(round_)
    done = threading.Event()

    def worker() -> None:
        try:
            while not done.is_set():
                worker_run(handlers, once=True, jobs={})
                done.wait(0.05)
        finally:
            connections.close_all()

    def sender(items: list) -> None:
        client = Client()
        try:
            for item in items:
                deliveries.send(client, item)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS + 1) as pool:
        background = pool.submit(worker)
        senders = [pool.submit(sender, batch[i::THREADS]) for i in range(THREADS)]
        try:
            for future in senders:
                future.result()
        finally:
            done.set()
        background.result()
    deliveries.seconds += time.monotonic() - began


class Watch:
    """Statuses read between rounds: none may ever be lower than the last one read."""

    def __init__(self) -> None:
        self.payments: dict[int, str] = {}
        self.refunds: dict[int, str] = {}
        self.reads = 0

    def check(self) -> None:
        self.reads += 1
        for pk, status in Payment.objects.values_list("pk", "status"):
            before = self.payments.get(pk, "pending")
            assert RANK[status] >= RANK[before], f"payment {pk} went back: {before} → {status}"
            assert status == before or RANK[status] > RANK[before], f"payment {pk}: {before} → {status}"
            self.payments[pk] = status
        for pk, status in Refund.objects.values_list("pk", "status"):
            before = self.refunds.get(pk, "pending")
            assert REFUND_RANK[status] >= REFUND_RANK[before], f"refund {pk} went back: {before} → {status}"
            assert status == before or before == "pending", f"refund {pk}: {before} → {status}"
            self.refunds[pk] = status


def split(rng: random.Random, amount: int, *, full: bool) -> list[int]:
    """Refund amounts: summing to ``amount`` (full) or leaving part of it."""
    parts = rng.randint(1, 3) if full else rng.randint(1, 2)
    if full:
        cuts = sorted(rng.sample(range(1, amount), parts - 1)) if amount > parts else []
        edges = [0, *cuts, amount]
        return [b - a for a, b in itertools.pairwise(edges) if b > a]
    share = [max(1, amount * rng.randint(5, 40) // 100) for _ in range(parts)]
    while sum(share) >= amount:
        share.pop()
    return share or [max(1, amount // 10)]


def _no_fsync_wait(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def authorize_and_confirm(browser: Client, plan: Plan) -> None:
    """Authorize the plan's payment with the card its kind needs; answer the hosted page."""
    rng = plan.rng
    waits = plan.kind in ("confirmed", "confirmed_refunded", "cancelled", "abandoned", "left_waiting")
    number = {"declined": rng.choice([DECLINED, NO_FUNDS]), "failed": ERROR}.get(plan.kind, SUCCEEDS)
    payment = payment_authorize(
        amount=Money(plan.amount, "EUR"),
        payment_method=card(CONFIRM if waits else number),
        idempotency_key=plan.key,
        return_url="https://shop.example.test/done/",
    )
    plan.payment_id = payment.pk
    if plan.kind in ("confirmed", "confirmed_refunded", "cancelled"):
        action = "cancel" if plan.kind == "cancelled" else "confirm"
        page = reverse("payments:test_confirm", args=[payment.provider_reference])
        assert browser.post(page, {"action": action}).status_code == 302


def check_out(storefront, offers, plan: Plan) -> None:
    """A new customer buys one or two offers through the real checkout."""
    rng = plan.rng
    customer = make_user()
    cart = None
    for offer in rng.sample(offers, rng.randint(1, 2)):
        cart = cart_add(
            storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk, quantity=rng.randint(1, 3)
        )
    outcome = checkout_place_order(
        storefront=storefront,
        cart=cart,
        customer=customer,
        address=ADDRESS,
        payment_method=card(SUCCEEDS),
        idempotency_key=plan.key,
        return_url="https://shop.example.test/done/",
    )
    assert outcome.status == "completed" and outcome.order is not None, outcome
    plan.payment_id, plan.amount = outcome.order.payment_id, outcome.order.total_minor


def capture_and_refund(plan: Plan, *, round_: int) -> None:
    """Capture a confirmed payment once the shop knows it is authorized; ask the plan's refunds
    of a captured one (one in round 2, the rest in round 3), asking the gateway when no
    webhook said "captured" yet."""
    if plan.kind.startswith("confirmed"):
        status = Payment.objects.get(pk=plan.payment_id).status
        if status == "requires_action" and round_ == 3:
            status = payment_refresh(payment_id=plan.payment_id).status  # the reconciler
        if status == "authorized":
            payment_capture(payment_id=plan.payment_id)
    if not plan.refunds:
        return
    payment = Payment.objects.get(pk=plan.payment_id)
    if payment.status == "capture_pending" and (round_ == 3 or plan.rng.random() < 0.3):
        payment = payment_refresh(payment_id=plan.payment_id)  # no webhook yet: ask
    if payment.status != "captured":
        return
    while plan.refunds and (round_ == 3 or plan.asked == 0):
        payment_refund(
            payment_id=plan.payment_id,
            amount=Money(plan.refunds.pop(0), "EUR"),
            idempotency_key=f"chaos-{SEED}-{plan.payment_id}-r{plan.asked}",
        )
        plan.asked += 1


def come_back_capture_or_void(plan: Plan) -> None:
    if plan.kind.startswith("confirmed") and plan.rng.random() < 0.5:
        payment_refresh(payment_id=plan.payment_id)  # the customer came back to the shop
    if plan.kind in ("abandoned", "voided"):
        payment_void(payment_id=plan.payment_id)
    if plan.kind in ("captured", "partly_refunded", "fully_refunded"):
        payment_capture(payment_id=plan.payment_id)


def in_the_shop(work: Callable[[Plan], None], plans: list[Plan]) -> None:
    """Serve the plans from SHOP_THREADS threads at once, like as many app processes."""

    def serve(share: list[Plan]) -> None:
        try:
            for plan in share:
                work(plan)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(SHOP_THREADS) as pool:
        for future in [pool.submit(serve, plans[i::SHOP_THREADS]) for i in range(SHOP_THREADS)]:
            future.result()


def end_round(deliveries: Deliveries, round_: int, handlers, watch: Watch) -> None:
    """Plan the copies of the events not taken yet, send this round's, read the statuses."""
    deliveries.collect(round_, LAST_ROUND)
    deliver_round(deliveries, round_, handlers)
    watch.check()


@pytest.fixture
def commits_without_waiting_for_the_disk(transactional_db):
    """Commit without waiting for the WAL to reach the disk, on every connection of the test.

    A commit costs about 8 ms of fsync on a shared CI disk, and this test makes tens of
    thousands. ``synchronous_commit = off`` only gives up durability if the *server* crashes;
    locks, isolation, constraints and what each connection sees are unchanged.
    """
    connection_created.connect(_no_fsync_wait)
    for conn in connections.all(initialized_only=True):
        _no_fsync_wait(None, conn)
    yield
    connection_created.disconnect(_no_fsync_wait)
    for conn in connections.all(initialized_only=True):
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")


@pytest.fixture
def shop(commits_without_waiting_for_the_disk):
    storefront = make_storefront()
    sellers = [make_seller(storefronts=[storefront]) for _ in range(2)]
    ShippingProfile.objects.create(seller=sellers[0], kind="per_item", base_minor=349, per_item_minor=99)
    ShippingProfile.objects.create(seller=sellers[1], kind="flat", base_minor=590, free_above_minor=5000)
    offers = [
        make_offer(seller=sellers[i % 2], variant=make_variant(), price_minor=price, stock=10_000)
        for i, price in enumerate((1990, 2490, 4500, 1250))
    ]
    return storefront, offers


def test_webhooks_repeated_shuffled_and_late_end_in_the_gateways_truth(shop, smtp_inbox, settings):
    print(f"webhook chaos seed: {SEED} (replay with GALERIE_CHAOS_SEED={SEED})")
    settings.GALERIE_TEST_GATEWAY_WEBHOOKS = {}  # the provider queues each event once; we repeat them
    started = time.monotonic()
    rng = random.Random(SEED)
    storefront, offers = shop
    handlers = chaos_handlers()
    deliveries = Deliveries(random.Random(rng.random()))
    watch = Watch()

    kinds = [k for k, weight in KINDS.items() for _ in range(weight)]
    paid = ["captured", "partly_refunded", "fully_refunded"]
    plans = [
        Plan(rng.choice(kinds), random.Random(rng.random()), f"chaos-{SEED}-{n}", rng.randint(100, 50_000))
        for n in range(PAYMENTS - CHECKOUTS)
    ]
    checkouts = [
        Plan(rng.choice(paid), random.Random(rng.random()), f"chaos-checkout-{SEED}-{n:06d}")
        for n in range(CHECKOUTS)
    ]
    browsers = threading.local()

    def customer_pays(plan: Plan) -> None:
        if not hasattr(browsers, "client"):
            browsers.client = Client()
        authorize_and_confirm(browsers.client, plan)

    with time_machine.travel(timezone.now(), tick=True) as clock:
        # Round 0: every payment is asked for; the hosted page answered for those that need it.
        with provider_in_a_hurry(deliveries, 0, LAST_ROUND):
            in_the_shop(customer_pays, plans)
            in_the_shop(lambda plan: check_out(storefront, offers, plan), checkouts)
            for plan in plans + checkouts:
                if plan.kind.endswith("refunded"):
                    plan.refunds = split(plan.rng, plan.amount, full=plan.kind != "partly_refunded")
            worker_run(handlers, once=True, jobs={})  # the checkouts' captures (order.placed)
        end_round(deliveries, 0, handlers, watch)

        # Round 1, an hour later: customers back from the hosted page, captures, voids.
        clock.shift(timedelta(hours=1))
        with provider_in_a_hurry(deliveries, 1, LAST_ROUND):
            in_the_shop(come_back_capture_or_void, plans)
            worker_run(handlers, once=True, jobs={})
        end_round(deliveries, 1, handlers, watch)

        # Rounds 2 and 3, hours later: confirmed payments captured once we know; refunds.
        for round_ in (2, 3):
            clock.shift(timedelta(hours=3))
            with provider_in_a_hurry(deliveries, round_, LAST_ROUND):
                in_the_shop(partial(capture_and_refund, round_=round_), plans + checkouts)
                worker_run(handlers, once=True, jobs={})
            end_round(deliveries, round_, handlers, watch)

        # The last round, a day later: the last copies, very late.
        clock.shift(timedelta(hours=24))
        end_round(deliveries, LAST_ROUND, handlers, watch)
        worker_run(handlers, once=True, jobs={})
        watch.check()

    elapsed = time.monotonic() - started
    assert not deliveries.rounds
    assert all(not plan.refunds for plan in plans + checkouts), "a refund was never asked"
    refunds_asked = sum(plan.asked for plan in plans + checkouts)

    # --- the gateway's truth ---------------------------------------------------------------
    assert Payment.objects.count() == PAYMENTS
    charges = {c.idempotency_key: c for c in ProviderCharge.objects.all()}
    statuses = Counter()
    for payment in Payment.objects.all():
        charge = charges[f"authorize:{payment.idempotency_key}"]
        theirs = charge.status
        if theirs == "captured" and charge.refunded_minor == charge.captured_minor:
            theirs = "refunded"
        statuses[payment.status] += 1
        assert (
            payment.status,
            payment.provider_reference,
            payment.captured_minor,
            payment.refunded_minor,
            payment.fee_minor,
        ) == (theirs, charge.reference, charge.captured_minor, charge.refunded_minor, charge.fee_minor), (
            f"payment {payment.pk} ({payment.idempotency_key})"
        )
    ours = {r.provider_reference: r for r in Refund.objects.all()}
    theirs_refunds = list(ProviderRefund.objects.all())
    assert len(ours) == len(theirs_refunds) == Refund.objects.count() == refunds_asked
    for provider_refund in theirs_refunds:
        refund = ours[provider_refund.reference]
        assert (refund.status, refund.amount_minor) == (provider_refund.status, provider_refund.amount_minor)

    # --- no status ever went backwards -------------------------------------------------------
    histories: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for model, pk, before, after in StatusChange.objects.filter(
        model__in=["payments.Payment", "payments.Refund"]
    ).values_list("model", "object_pk", "from_status", "to_status"):
        histories[model, pk].append((before, after))
    current = dict(Payment.objects.values_list("pk", "status"))
    for (model, pk), steps in histories.items():
        ranks = RANK if model == "payments.Payment" else REFUND_RANK
        assert steps[0][0] == "pending", (model, pk, steps)
        for (_, reached), (left, _) in itertools.pairwise(steps):
            assert reached == left, (model, pk, steps)  # each change starts where the last ended
        assert all(ranks[after] > ranks[before] for before, after in steps), (model, pk, steps)
        if model == "payments.Payment":
            assert steps[-1][1] == current[int(pk)]

    # --- every side effect exactly once --------------------------------------------------------
    topics = Counter(
        (topic, payload.get("payment_id"), payload.get("refund_id"))
        for topic, payload in OutboxEvent.objects.filter(
            topic__startswith="payment.", delivered_at__isnull=False
        ).values_list("topic", "payload")
    ) + Counter(
        (topic, payload.get("payment_id"), payload.get("refund_id"))
        for topic, payload in OutboxEvent.objects.filter(topic__startswith="refund.").values_list(
            "topic", "payload"
        )
    )
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists(), "the worker left events"
    assert not OutboxEvent.objects.filter(attempts__gt=0).exists(), "a handler failed"
    reached = {(m, pk): {after for _, after in steps} for (m, pk), steps in histories.items()}
    for payment in Payment.objects.all():
        went = reached.get(("payments.Payment", str(payment.pk)), set())
        authorized = bool(went & {"authorized", "capture_pending", "captured", "refunded"})
        captured = payment.status in ("captured", "refunded")
        expected = {
            "payment.authorized": int(authorized),
            "payment.captured": int(captured),
            "payment.refunded": int(payment.status == "refunded"),
            "payment.voided": int(payment.status == "voided"),
            "payment.declined": int(payment.status == "declined"),
            "payment.failed": int(payment.status == "failed"),
        }
        got = {topic: topics[topic, payment.pk, None] for topic in expected}
        assert got == expected, f"payment {payment.pk} ({payment.status}): {got}"
    succeeded = list(Refund.objects.filter(status="succeeded").values_list("pk", "payment_id"))
    for refund_id, payment_id in succeeded:
        assert topics["refund.succeeded", payment_id, refund_id] == 1, f"refund {refund_id}"
    assert sum(n for (topic, _, _), n in topics.items() if topic == "refund.succeeded") == len(succeeded)

    entries = Counter(JournalEntry.objects.values_list("idempotency_key", flat=True))
    assert set(entries.values()) == {1}  # (the keys are unique: this says nothing new, but cheaply)
    captured_ids = Payment.objects.filter(status__in=["captured", "refunded"]).values_list("pk", flat=True)
    assert {k for k in entries if k.startswith("capture:")} == {f"capture:{pk}" for pk in captured_ids}
    assert {k for k in entries if k.startswith("refund:")} == {f"refund:{pk}" for pk, _ in succeeded}
    assert unbalanced_entry_ids() == []
    assert reconciliation()["differences"] == []

    # Refund e-mails: one per succeeded refund of a checkout's payment, and the SMTP server got it.
    checkout_payments = {plan.payment_id for plan in checkouts}
    refund_events = dict(
        OutboxEvent.objects.filter(topic="refund.succeeded").values_list("uuid", "payload__refund_id")
    )
    sent = SentEmail.objects.filter(kind="refund_succeeded", sent_at__isnull=False)
    mailed = Counter(refund_events[uuid] for uuid in sent.values_list("event_uuid", flat=True))
    expected_mail = {pk for pk, payment_id in succeeded if payment_id in checkout_payments}
    assert set(mailed) == expected_mail and set(mailed.values()) <= {1}
    assert SentEmail.objects.filter(kind="refund_succeeded").count() == len(expected_mail)
    # The message id names the e-mail's kind (notifications/services.py): the subject is French.
    ids = [m["Message-ID"] for m in smtp_inbox.messages]
    received = Counter(i for i in ids if ".refund_succeeded." in i)
    assert set(received.values()) == {1}
    assert len(received) == len(expected_mail) > 0

    # The orders: paid once, allocated once, refunded by exactly what the gateway gave back.
    for order in Order.objects.select_related("payment"):
        charge = charges[f"authorize:{order.payment.idempotency_key}"]
        figures = order_refunds(order=order)
        assert (figures.refunded_minor, figures.paid_minor) == (
            charge.refunded_minor,
            order.total_minor - charge.refunded_minor,
        )
        assert entries[f"allocation:{order.pk}"] == 1
    assert Order.objects.count() == CheckoutAttempt.objects.filter(status="completed").count() == CHECKOUTS

    # Every event the provider sent was received, recorded once, and matched a payment.
    assert PaymentEvent.objects.count() == deliveries.events == len(deliveries.answers)
    assert not PaymentEvent.objects.filter(result="unknown").exists()
    assert sum(deliveries.answers.values()) == deliveries.copies
    assert deliveries.duplicates == deliveries.copies - deliveries.events
    results = dict(PaymentEvent.objects.values_list("result").annotate(n=Count("pk")).order_by())
    print(
        f"webhook chaos: {PAYMENTS} payments ({dict(statuses)}), {refunds_asked} refunds"
        f" ({Refund.objects.aggregate(s=Sum('amount_minor'))['s']} cents), {deliveries.events} events,"
        f" {deliveries.copies} deliveries, {deliveries.duplicates} duplicates, {deliveries.eager} at once"
        f" (racing the shop), {deliveries.late} an hour or more late, results {results},"
        f" {watch.reads} reads between rounds; {elapsed:.1f} s ({deliveries.seconds:.1f} s in rounds)"
    )
