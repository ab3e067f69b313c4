"""checkout_place_order: one payment, one order split per seller, nothing taken on failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.cart.models import CartLine
from galerie.checkout.errors import CheckoutNotPossible
from galerie.checkout.handlers import order_placed
from galerie.checkout.models import CheckoutAttempt, StockReservation
from galerie.checkout.services import checkout_capture, checkout_place_order
from galerie.core.delivery import handlers_autodiscover
from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.models import Offer, OfferChange
from galerie.offers.services import offer_price_set, offer_stock_set
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.payments.errors import GatewayUnavailable
from galerie.payments.gateway import TestGateway
from galerie.payments.models import Payment
from galerie.payments.testgateway.models import ProviderCharge, ProviderIdempotencyKey
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from tests.checkout.conftest import ADDRESS, DECLINE, NO_FUNDS, SUCCESS, new_key
from tests.factories import TESTS

pytestmark = pytest.mark.django_db(transaction=True)


def place(shop, card=SUCCESS, key=None, address=ADDRESS, cart="default"):
    return checkout_place_order(
        storefront=shop.storefront,
        cart=shop.cart if cart == "default" else cart,
        customer=shop.customer,
        address=address,
        payment_method=card,
        idempotency_key=key or new_key(),
        return_url="http://testserver/checkout/return/",
    )


def stock(*offers):
    return [Offer.objects.get(pk=o.pk).stock for o in offers]


def test_success_creates_one_order_split_per_seller_priced_from_the_database(shop):
    outcome = place(shop)

    assert outcome.status == "completed"
    order = Order.objects.get()
    assert outcome.order == order
    parts = {so.seller_id: so for so in order.seller_orders.all()}
    assert set(parts) == {shop.seller_a.pk, shop.seller_b.pk}
    a, b = parts[shop.seller_a.pk], parts[shop.seller_b.pk]
    assert (a.items_minor, a.shipping_minor, a.total_minor) == (3980, 349 + 99, 4428)
    assert (b.items_minor, b.shipping_minor, b.total_minor) == (4500, 590, 5090)
    assert (order.items_minor, order.shipping_minor, order.total_minor) == (8480, 1038, 9518)
    # 20 % VAT included in each line and in shipping, rounded half up per amount.
    assert a.vat_minor == 663 + 75 and b.vat_minor == 750 + 98
    assert order.vat_minor == a.vat_minor + b.vat_minor
    assert order.payment.amount_minor == 9518
    # Authorized when the customer lands on the confirmation page; the worker captures it on
    # order.placed (the order exists before any money is captured).
    assert order.payment.status == Payment.Status.AUTHORIZED
    assert stock(shop.book, shop.lamp, shop.record) == [3, 2, 2]
    assert not CartLine.objects.filter(cart=shop.cart).exists()
    topics = list(
        OutboxEvent.objects.filter(topic__in=["order.placed", "seller_order.placed"]).values_list(
            "topic", flat=True
        )
    )
    assert sorted(topics) == ["order.placed", "seller_order.placed", "seller_order.placed"]
    assert OrderLine.objects.filter(seller_order=a).get().quantity == 2


def test_the_worker_captures_the_placed_orders_payment_once_through_the_outbox(shop):
    order = place(shop).order
    assert order.payment.status == Payment.Status.AUTHORIZED
    assert not ProviderCharge.objects.filter(status="captured").exists()  # nothing captured yet
    handlers = handlers_autodiscover()
    assert order_placed in handlers["order.placed"]
    event = OutboxEvent.objects.get(topic="order.placed")
    order_placed(event)
    order_placed(event)  # delivered twice (at least once): captured once
    payment = Payment.objects.get(pk=order.payment_id)
    assert (payment.status, payment.captured_minor) == (Payment.Status.CAPTURE_PENDING, 0)
    charge = ProviderCharge.objects.get()
    assert (charge.status, charge.captured_minor) == ("captured", order.total_minor)
    assert ProviderIdempotencyKey.objects.filter(operation="capture").count() == 1
    deliver_due_webhooks(now=timezone.now() + timedelta(hours=1))  # the provider confirms
    payment.refresh_from_db()
    assert (payment.status, payment.captured_minor) == (Payment.Status.CAPTURED, order.total_minor)
    assert checkout_capture(order_id=order.pk) == payment  # nothing more to do


def test_a_capture_the_gateway_cannot_make_yet_raises_so_the_worker_retries_it(shop, monkeypatch):
    order = place(shop).order

    def unreachable(self, **kwargs):
        raise GatewayUnavailable("The payment provider did not answer.")

    monkeypatch.setattr(TestGateway, "capture", unreachable)  # the provider is down
    with pytest.raises(GatewayUnavailable):
        checkout_capture(order_id=order.pk)
    assert Payment.objects.get(pk=order.payment_id).status == Payment.Status.AUTHORIZED
    monkeypatch.undo()
    assert checkout_capture(order_id=order.pk).status == Payment.Status.CAPTURE_PENDING


def test_the_price_charged_is_the_offer_price_now_not_the_one_in_the_cart(shop):
    offer_price_set(by=TESTS, offer_id=shop.book.pk, price=Money(1500, "EUR"))
    place(shop)
    line = OrderLine.objects.get(offer=shop.book)
    assert (line.unit_price_minor, line.total_minor) == (1500, 3000)
    assert Order.objects.get().payment.amount_minor == 3000 + 448 + 5090


@pytest.mark.parametrize(("card", "words"), [(DECLINE, "declined"), (NO_FUNDS, "insufficient funds")])
def test_a_declined_payment_creates_no_order_and_gives_the_stock_back(shop, card, words):
    outcome = place(shop, card=card)

    assert outcome.status == "declined"
    assert words in outcome.message.lower()
    assert not Order.objects.exists() and not SellerOrder.objects.exists()
    assert stock(shop.book, shop.lamp) == [5, 3]
    assert CartLine.objects.filter(cart=shop.cart).count() == 2
    assert CheckoutAttempt.objects.get().status == CheckoutAttempt.Status.DECLINED
    assert StockReservation.objects.filter(released=False).count() == 0


def test_checkout_takes_and_gives_back_stock_through_the_offers_history(shop):
    place(shop, card=DECLINE)
    for offer, quantity in ((shop.book, 2), (shop.lamp, 1)):
        changes = OfferChange.objects.filter(offer=offer, field="stock").order_by("id")
        assert list(changes.values_list("from_value", "to_value", "actor_id", "actor_label", "reason")) == [
            ("5" if offer == shop.book else "3", str(stock(offer)[0] - quantity), None, "Galerie (checkout)",
             OfferChange.Reason.CHECKOUT),
            (str(stock(offer)[0] - quantity), str(stock(offer)[0]), None, "Galerie (checkout)",
             OfferChange.Reason.CHECKOUT_RELEASED),
        ]  # fmt: skip


def test_a_retry_with_the_same_key_charges_once_and_makes_one_order(shop):
    key = new_key()
    first = place(shop, key=key)
    again = place(shop, key=key)

    assert first.status == again.status == "completed"
    assert first.order.pk == again.order.pk
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert stock(shop.book, shop.lamp) == [3, 2]


def test_not_enough_stock_refuses_and_takes_nothing(shop):
    offer_stock_set(by=TESTS, offer_id=shop.lamp.pk, stock=0)
    with pytest.raises(CheckoutNotPossible):
        place(shop)
    assert stock(shop.book, shop.lamp) == [5, 0]
    assert not CheckoutAttempt.objects.exists() and not Payment.objects.exists()


def test_a_card_the_gateway_would_not_even_try_takes_and_records_nothing(shop):
    with pytest.raises(InvalidInput):
        place(shop, card={**SUCCESS, "number": "4242424242424241"})  # not a card number (Luhn)
    assert stock(shop.book, shop.lamp) == [5, 3]
    assert not CheckoutAttempt.objects.exists() and not Payment.objects.exists()
    assert place(shop).status == "completed"  # the customer types the card again


def test_the_attempt_points_at_its_payment_from_the_reservation_and_one_payment_is_made(shop):
    outcome = place(shop)
    attempt = CheckoutAttempt.objects.get()
    assert attempt.payment_id == Payment.objects.get().pk == outcome.order.payment_id
    assert attempt.payment.idempotency_key == f"checkout-{attempt.idempotency_key}"
    assert attempt.payment.card_last4 == "4242"


def test_the_order_is_the_kept_quote_which_is_what_pricing_the_reservation_again_gives(shop):
    from galerie.checkout import services
    from galerie.pricing.quote import quote_from_json

    place(shop)
    attempt = CheckoutAttempt.objects.get()
    kept = quote_from_json(attempt.quote)
    assert kept is not None and kept == services._quote_again(attempt)  # same lines, same order
    parts = list(attempt.order.seller_orders.order_by("number").values_list("seller_id", "total_minor"))
    assert parts == [(group.seller_id, group.total_minor) for group in kept.groups]


def test_a_bad_address_changes_nothing(shop):
    with pytest.raises(InvalidInput) as raised:
        place(shop, address={**ADDRESS, "postal_code": "690", "city": ""})
    assert set(raised.value.errors) == {"postal_code", "city"}
    assert stock(shop.book, shop.lamp) == [5, 3]
    assert not CheckoutAttempt.objects.exists() and not Payment.objects.exists()


def test_a_key_of_another_customer_is_refused(shop):
    from tests.factories import make_user

    key = new_key()
    place(shop, key=key)
    shop.customer = make_user()
    with pytest.raises(InvalidInput):
        place(shop, key=key)
    assert Order.objects.count() == 1
