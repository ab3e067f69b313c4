"""Checkouts racing for the same stock on PostgreSQL, with real connections and threads."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from galerie.cart.errors import NotEnoughStock
from galerie.cart.models import CartLine
from galerie.cart.services import cart_add
from galerie.checkout.errors import CheckoutNotPossible
from galerie.checkout.services import checkout_place_order
from galerie.offers.models import Offer
from galerie.orders.models import Order, OrderLine
from galerie.payments.models import Payment
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(jobs) -> list[str]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job) -> None:
        try:
            barrier.wait()
            result = job()
        except CheckoutNotPossible:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_twenty_customers_for_the_last_five_units_make_five_orders():
    storefront = make_storefront()
    offer = make_offer(seller=make_seller(storefronts=[storefront]), stock=5)
    carts = []
    for _ in range(20):
        customer = make_user()
        carts.append(
            (customer, cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk))
        )

    def checkout(customer, cart):
        return lambda: checkout_place_order(
            storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key=new_key(), return_url="http://testserver/r/",
        ).status  # fmt: skip

    outcomes = _race([checkout(customer, cart) for customer, cart in carts])

    assert outcomes.count("completed") == 5
    assert outcomes.count("refused") == 15
    assert Offer.objects.get(pk=offer.pk).stock == 0
    assert Order.objects.count() == 5
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 5
    assert Payment.objects.count() == 5  # the refused ones never reached the gateway


def test_carts_holding_the_same_offers_in_opposite_orders_do_not_deadlock():
    storefront = make_storefront()
    seller = make_seller(storefronts=[storefront])
    first, second = (make_offer(seller=seller, variant=make_variant(), stock=100) for _ in range(2))
    jobs = []
    for n in range(16):
        customer = make_user()
        order = (first, second) if n % 2 else (second, first)
        cart = None
        for offer in order:
            cart = cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk)
        jobs.append(
            lambda customer=customer, cart=cart: checkout_place_order(
                storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
                idempotency_key=new_key(), return_url="http://testserver/r/",
            ).status
        )  # fmt: skip

    outcomes = _race(jobs)

    assert outcomes == ["completed"] * 16
    assert [Offer.objects.get(pk=o.pk).stock for o in (first, second)] == [84, 84]


def test_a_double_click_charges_once():
    storefront = make_storefront()
    offer = make_offer(seller=make_seller(storefronts=[storefront]), stock=5)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)
    key = new_key()

    def click():
        return checkout_place_order(
            storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key=key, return_url="http://testserver/r/",
        ).status  # fmt: skip

    outcomes = _race([click for _ in range(6)])

    assert "completed" in outcomes
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert Offer.objects.get(pk=offer.pk).stock == 4


def test_additions_racing_on_one_cart_line_never_pass_the_stock():
    # The line's quantity is raised by one statement that checks the limit itself: ten
    # additions of one unit racing for an offer with four in stock leave exactly four.
    storefront = make_storefront()
    offer = make_offer(seller=make_seller(storefronts=[storefront]), stock=4)
    customer = make_user()
    cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)

    def add():
        try:
            cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk)
        except NotEnoughStock:
            return "refused"
        return "added"

    outcomes = _race([add] * 10)

    assert outcomes.count("added") == 3 and outcomes.count("refused") == 7
    assert CartLine.objects.get(cart=cart).quantity == 4
