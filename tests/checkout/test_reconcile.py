"""The extra confirmation step, and nothing left hanging: the reconciler completes, releases
or refunds every attempt that did not finish by itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from galerie.checkout import services as checkout
from galerie.checkout.models import CheckoutAttempt
from galerie.checkout.services import checkout_place_order, checkout_reconcile, checkout_return
from galerie.offers.models import Offer
from galerie.orders.models import Order
from galerie.payments.models import Payment, ProviderCharge
from galerie.payments.testgateway.services import charge_confirm
from tests.checkout.conftest import ADDRESS, CONFIRM, SUCCESS, new_key

pytestmark = pytest.mark.django_db(transaction=True)


def place(shop, card):
    return checkout_place_order(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=card, idempotency_key=new_key(), return_url="http://testserver/checkout/return/",
    )  # fmt: skip


def stock(shop):
    return [Offer.objects.get(pk=o.pk).stock for o in (shop.book, shop.lamp)]


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_card_that_needs_confirmation_completes_when_the_customer_confirms(shop):
    outcome = place(shop, CONFIRM)
    assert outcome.status == "requires_action"
    assert "/payments/test/confirm/" in outcome.action_url
    assert stock(shop) == [3, 2]  # reserved while the customer confirms
    assert not Order.objects.exists()

    charge_confirm(reference=outcome.attempt.payment.provider_reference, approve=True)
    done = checkout_return(attempt=CheckoutAttempt.objects.get(pk=outcome.attempt.pk))

    assert done.status == "completed"
    assert Order.objects.get().total_minor == 9518
    assert stock(shop) == [3, 2]


def test_a_cancelled_confirmation_gives_the_stock_back(shop):
    outcome = place(shop, CONFIRM)
    charge_confirm(reference=outcome.attempt.payment.provider_reference, approve=False)
    done = checkout_return(attempt=CheckoutAttempt.objects.get(pk=outcome.attempt.pk))
    assert done.status == "declined"
    assert stock(shop) == [5, 3] and not Order.objects.exists()


def test_an_abandoned_confirmation_expires_and_a_late_one_is_voided(shop):
    outcome = place(shop, CONFIRM)

    assert checkout_reconcile(now=later(5)) == 0  # not expired yet: nothing to do
    assert checkout_reconcile(now=later(30)) == 1
    attempt = CheckoutAttempt.objects.get(pk=outcome.attempt.pk)
    assert attempt.status == CheckoutAttempt.Status.EXPIRED
    assert stock(shop) == [5, 3]

    # The customer confirms at the bank after the stock was given back: never charged for nothing.
    charge_confirm(reference=attempt.payment.provider_reference, approve=True)
    assert checkout_reconcile(now=later(31)) == 1
    attempt.refresh_from_db()
    assert attempt.status == CheckoutAttempt.Status.REFUNDED
    assert Payment.objects.get().status == Payment.Status.VOIDED
    assert stock(shop) == [5, 3] and not Order.objects.exists()
    assert checkout_reconcile(now=later(40)) == 0  # settled for good


def test_a_payment_taken_when_the_order_cannot_be_made_is_given_back(shop, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")  # fault injection: the order cannot be written

    monkeypatch.setattr(checkout, "order_create", broken)
    outcome = place(shop, SUCCESS)

    assert outcome.status == "failed"
    assert "refunded" in outcome.message
    assert Payment.objects.get().status == Payment.Status.AUTHORIZED
    assert stock(shop) == [3, 2]  # still reserved until the money is given back

    assert checkout_reconcile() == 1
    assert CheckoutAttempt.objects.get().status == CheckoutAttempt.Status.REFUNDED
    assert Payment.objects.get().status == Payment.Status.VOIDED
    assert stock(shop) == [5, 3] and not Order.objects.exists()


def test_an_attempt_whose_customer_never_came_back_but_paid_becomes_an_order(shop):
    outcome = place(shop, CONFIRM)
    charge_confirm(reference=outcome.attempt.payment.provider_reference, approve=True)
    # The customer closed the tab instead of returning to the shop.
    assert checkout_reconcile(now=later(30)) == 1
    assert CheckoutAttempt.objects.get().status == CheckoutAttempt.Status.COMPLETED
    assert Order.objects.get().payment.status == Payment.Status.AUTHORIZED  # the worker captures it


def test_an_authorization_whose_answer_was_never_recorded_becomes_one_order_charged_once(shop, monkeypatch):
    # The gateway's answer is recorded in the transaction that makes the order: if that
    # transaction never commits (fault injection: the process dies there), neither the answer
    # nor the order exists, the stock stays reserved, and the payment stays pending.
    def crash(**kwargs):
        raise RuntimeError("the process died after the gateway answered")

    monkeypatch.setattr(checkout, "payment_authorization_record", crash)
    with pytest.raises(RuntimeError):
        place(shop, SUCCESS)
    monkeypatch.undo()
    assert Payment.objects.get().status == Payment.Status.PENDING
    assert CheckoutAttempt.objects.get().status == CheckoutAttempt.Status.RESERVED
    assert not Order.objects.exists()
    assert stock(shop) == [3, 2]

    # The reconciler asks the gateway by the same key, records the authorization, makes the order.
    assert checkout_reconcile(now=later(30)) == 1
    order = Order.objects.get()
    assert order.payment.status == Payment.Status.AUTHORIZED
    assert order.total_minor == order.payment.amount_minor == CheckoutAttempt.objects.get().amount_minor
    assert ProviderCharge.objects.count() == 1  # one charge at the provider: never asked twice
    assert stock(shop) == [3, 2]  # taken once, by the order


def test_an_answer_recorded_first_by_a_webhook_is_not_moved_back_by_the_checkout(shop, monkeypatch):
    # The authorization is recorded under the payment's lock, forward only: a capture that a
    # webhook recorded while the checkout was finishing stays captured.
    real = checkout.payment_authorization_record

    def webhook_first(*, payment_id, result):
        Payment.objects.filter(pk=payment_id).update(
            status=Payment.Status.CAPTURED, captured_minor=F("amount_minor")
        )
        return real(payment_id=payment_id, result=result)

    monkeypatch.setattr(checkout, "payment_authorization_record", webhook_first)
    outcome = place(shop, SUCCESS)

    assert outcome.status == "completed"
    assert Order.objects.get().payment.status == Payment.Status.CAPTURED


def test_an_attempt_whose_process_died_before_asking_the_gateway_gives_its_stock_back(shop, monkeypatch):
    # The process dies right after the reservation commits (fault injection: the crash matrix's
    # checkout.after_reserve, tests/reliability): the payment was never sent. The reconciler used
    # to count such an attempt as settled and keep its stock for ever.
    def crash(*args, **kwargs):
        raise RuntimeError("the process died before asking the gateway")

    monkeypatch.setattr(checkout, "_resume", crash)
    with pytest.raises(RuntimeError):
        place(shop, SUCCESS)
    monkeypatch.undo()
    assert stock(shop) == [3, 2] and Payment.objects.get().status == Payment.Status.PENDING

    assert checkout_reconcile(now=later(5)) == 0  # not expired yet: the request may be paying
    assert checkout_reconcile(now=later(30)) == 1
    attempt = CheckoutAttempt.objects.select_related("payment").get()
    assert attempt.status == CheckoutAttempt.Status.EXPIRED
    assert (attempt.payment.status, attempt.payment.decline_code) == (Payment.Status.FAILED, "not_sent")
    assert stock(shop) == [5, 3] and not Order.objects.exists() and not ProviderCharge.objects.exists()
    assert checkout_reconcile(now=later(40)) == 0  # settled for good
