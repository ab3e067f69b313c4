"""Random sequences of operations and webhook deliveries (repeated, reordered, late) keep the invariants.

Invariants, checked after every step: 0 ≤ refunded ≤ captured ≤ amount; a payment's status never
goes backwards (its observed rank never decreases and its history only climbs); the provider
holds one charge per authorize key and one refund per refund key; what we count as refunded is
the sum of our succeeded refunds. At the end, once every webhook is delivered and every payment
refreshed, our records agree with the provider's.
"""

from __future__ import annotations

import contextlib
import uuid

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from galerie.core.errors import DomainError
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.payments.errors import IdempotencyKeyReused
from galerie.payments.models import Payment, Refund
from galerie.payments.services import (
    payment_authorize,
    payment_capture,
    payment_refresh,
    payment_refund,
    payment_void,
)
from galerie.payments.testgateway.models import ProviderCharge, ProviderRefund, ProviderWebhook
from galerie.payments.testgateway.services import charge_confirm
from galerie.payments.testgateway.webhooks import deliver_due_webhooks, webhook_deliver, webhook_redeliver
from tests.payments.conftest import (
    DECLINED,
    INSUFFICIENT_FUNDS,
    NEEDS_CONFIRMATION,
    RETURN_URL,
    SUCCEEDS,
    card,
)

pytestmark = pytest.mark.django_db

RANK = Payment.STATUS_RANK
CARDS = [SUCCEEDS, SUCCEEDS, SUCCEEDS, NEEDS_CONFIRMATION, DECLINED, INSUFFICIENT_FUNDS]


class PaymentOperations(RuleBasedStateMachine):
    payments = Bundle("payments")

    def __init__(self) -> None:
        super().__init__()
        self.run = uuid.uuid4().hex[:8]
        self.amounts: dict[str, int] = {}  # authorize key → amount
        self.refunds: dict[str, tuple[str, int]] = {}  # refund key → (authorize key, amount)
        self.seen: dict[str, str] = {}  # authorize key → last status observed

    def _payment(self, key: str) -> Payment:
        return Payment.objects.get(idempotency_key=key)

    # --- the shop's operations ---------------------------------------------------------
    @initialize(target=payments, amount=st.integers(1, 50_000))
    def a_captured_payment(self, amount: int) -> str:
        """Start each run with one payment captured, so that refunds get exercised every time."""
        key = self.authorize(SUCCEEDS, amount)
        payment_capture(payment_id=self._payment(key).pk)
        for webhook in self._ours(delivered_at__isnull=True):
            webhook_deliver(webhook=webhook)
        return key

    @precondition(lambda self: len(self.amounts) < 4)  # a few payments, each taken far
    @rule(target=payments, number=st.sampled_from(CARDS), amount=st.integers(1, 50_000))
    def authorize(self, number: str, amount: int) -> str:
        key = f"{self.run}-p{len(self.amounts)}"
        self.amounts[key] = amount
        payment = payment_authorize(
            amount=Money(amount, "EUR"),
            payment_method=card(number),
            idempotency_key=key,
            return_url=RETURN_URL,
        )
        assert payment.status in ("authorized", "requires_action", "declined")
        return key

    @rule(key=payments, number=st.sampled_from(CARDS))
    def authorize_again(self, key: str, number: str) -> None:
        before = self._payment(key)
        try:
            again = payment_authorize(
                amount=Money(self.amounts[key], "EUR"),
                payment_method=card(number),
                idempotency_key=key,
                return_url=RETURN_URL,
            )
        except IdempotencyKeyReused:
            return  # another card under the same key, while the provider had not answered: refused
        assert again.pk == before.pk

    @rule(key=payments, approve=st.booleans())
    def customer_answers_the_confirmation_page(self, key: str, approve: bool) -> None:
        reference = self._payment(key).provider_reference
        if reference:
            charge_confirm(reference=reference, approve=approve)

    @rule(key=payments)
    def refresh(self, key: str) -> None:
        payment_refresh(payment_id=self._payment(key).pk)

    @rule(key=payments, then_deliver=st.booleans())
    def capture(self, key: str, then_deliver: bool) -> None:
        with contextlib.suppress(DomainError):  # not authorized (yet, or any more): refused, no change
            payment_capture(payment_id=self._payment(key).pk)
        if then_deliver:  # the provider is quick this time: its webhooks come at once
            for webhook in self._ours(delivered_at__isnull=True):
                webhook_deliver(webhook=webhook)

    @rule(key=payments, now=st.integers(0, 3))
    def void(self, key: str, now: int) -> None:
        if now:
            return  # voiding ends a payment's story: do it less often than the rest
        with contextlib.suppress(DomainError):
            payment_void(payment_id=self._payment(key).pk)

    @rule(
        key=payments,
        prefer_captured=st.booleans(),
        share=st.sampled_from([100, 60, 40, 25, 1, 120]),
        retry=st.booleans(),
    )
    def refund(self, key: str, prefer_captured: bool, share: int, retry: bool) -> None:
        captured = sorted(
            Payment.objects.filter(idempotency_key__in=list(self.amounts), status="captured").values_list(
                "idempotency_key", flat=True
            )
        )
        if prefer_captured and captured:
            key = captured[len(self.refunds) % len(captured)]
        earlier = [k for k, (p, _) in self.refunds.items() if p == key]
        if retry and earlier:
            refund_key = earlier[-1]
            amount = self.refunds[refund_key][1]
        else:
            refund_key = f"{self.run}-r{len(self.refunds)}"
            amount = max(1, self.amounts[key] * share // 100)
            self.refunds[refund_key] = (key, amount)
        try:
            payment_refund(
                payment_id=self._payment(key).pk, amount=Money(amount, "EUR"), idempotency_key=refund_key
            )
        except DomainError:
            if not (retry and earlier):
                del self.refunds[refund_key]  # refused: no refund exists under this key

    # --- the provider's deliveries -------------------------------------------------------
    def _ours(self, **filters) -> list[ProviderWebhook]:
        # This run's events only (their bodies carry our keys), so that draws never depend on
        # what earlier examples left in the database.
        return list(ProviderWebhook.objects.filter(body__contains=self.run, **filters).order_by("id"))

    @rule(pick=st.integers(0, 10_000))
    def deliver_one_pending_webhook(self, pick: int) -> None:
        pending = self._ours(delivered_at__isnull=True)
        if pending:
            webhook_deliver(webhook=pending[pick % len(pending)])

    @rule(pick=st.integers(0, 10_000))
    def deliver_an_event_again(self, pick: int) -> None:
        sent = sorted({w.event_id for w in self._ours(delivered_at__isnull=False)})
        if sent:
            webhook_deliver(webhook=webhook_redeliver(event_id=sent[pick % len(sent)]))

    @rule(order=st.sampled_from(["oldest", "newest"]))
    def deliver_everything_due(self, order: str) -> None:
        for webhook in self._ours(delivered_at__isnull=True)[:: -1 if order == "newest" else 1]:
            webhook_deliver(webhook=webhook)

    # --- invariants ------------------------------------------------------------------------
    @invariant()
    def amounts_stay_ordered_and_statuses_only_climb(self) -> None:
        for payment in Payment.objects.filter(idempotency_key__in=list(self.amounts)):
            assert 0 <= payment.refunded_minor <= payment.captured_minor <= payment.amount_minor
            previous = self.seen.get(payment.idempotency_key, "pending")
            assert RANK[payment.status] >= RANK[previous], f"{previous} → {payment.status}"
            assert payment.status == previous or RANK[payment.status] > RANK[previous]
            self.seen[payment.idempotency_key] = payment.status
            succeeded = payment.refunds.filter(status="succeeded").aggregate(total=Sum("amount_minor"))[
                "total"
            ]
            assert payment.refunded_minor == (succeeded or 0)

    @invariant()
    def the_provider_acted_once_per_key(self) -> None:
        keys = [f"authorize:{k}" for k in self.amounts]
        assert ProviderCharge.objects.filter(idempotency_key__in=keys).count() <= len(keys)
        for key in keys:
            assert ProviderCharge.objects.filter(idempotency_key=key).count() <= 1
        for key in self.refunds:
            assert ProviderRefund.objects.filter(idempotency_key=f"refund:{key}").count() <= 1
            assert Refund.objects.filter(idempotency_key=key).count() <= 1

    def teardown(self) -> None:
        deliver_due_webhooks(now=timezone.now() + timezone.timedelta(days=1), limit=10_000)
        for key in self.amounts:
            payment = payment_refresh(payment_id=self._payment(key).pk)
            charge = ProviderCharge.objects.get(idempotency_key=f"authorize:{key}")
            theirs = charge.status
            if theirs == "captured" and charge.refunded_minor == charge.captured_minor:
                theirs = "refunded"
            assert payment.status == theirs
            assert (payment.captured_minor, payment.refunded_minor) == (
                charge.captured_minor,
                charge.refunded_minor,
            )
            history = StatusChange.objects.filter(model="payments.Payment", object_pk=str(payment.pk))
            ranks = [RANK[to] for to in history.order_by("id").values_list("to_status", flat=True)]
            assert ranks == sorted(set(ranks))  # strictly climbing
            for topic in ("payment.authorized", "payment.captured"):
                assert OutboxEvent.objects.filter(topic=topic, payload__payment_id=payment.pk).count() <= 1


def test_random_operations_and_deliveries_keep_the_invariants():
    run_state_machine_as_test(
        PaymentOperations,
        settings=settings(max_examples=50, stateful_step_count=40, deadline=None, database=None),
    )
