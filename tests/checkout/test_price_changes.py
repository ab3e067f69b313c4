"""checkout_submit charges what the checkout page showed, or nothing.

The page carries the fingerprint of its quote; between showing it and the submit a price,
a quantity or a delivery charge may change. Then nothing is taken or charged, the customer is
told what changed and the new total, and a submit carrying the new fingerprint confirms it.
"""

from __future__ import annotations

import pytest

from galerie.cart.models import CartLine
from galerie.cart.selectors import cart_view
from galerie.cart.services import cart_line_set_quantity
from galerie.checkout.errors import CheckoutNotPossible, QuoteChanged
from galerie.checkout.models import CheckoutAttempt, StockReservation
from galerie.checkout.services import checkout_submit
from galerie.core.money import Money
from galerie.offers.models import Offer
from galerie.offers.services import offer_price_set, offer_stock_set
from galerie.orders.models import Order
from galerie.payments.models import Payment
from galerie.pricing.quote import quote_fingerprint, quote_shown_token
from galerie.sellers.models import ShippingProfile
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import TESTS

pytestmark = pytest.mark.django_db(transaction=True)


def shown(shop) -> dict:
    """What the checkout page shows and carries in its hidden fields."""
    quote = cart_view(storefront=shop.storefront, cart=shop.cart).quote
    return {
        "total": quote.total_minor,
        "quote_fingerprint": quote_fingerprint(quote),
        "quote_shown": quote_shown_token(quote),
    }


def submit(shop, page: dict, key: str | None = None):
    return checkout_submit(
        storefront=shop.storefront,
        cart=shop.cart,
        customer=shop.customer,
        address=ADDRESS,
        payment_method=SUCCESS,
        idempotency_key=key or new_key(),
        quote_fingerprint=page["quote_fingerprint"],
        quote_shown=page["quote_shown"],
        return_url="http://testserver/checkout/return/",
    )


def nothing_taken(shop) -> None:
    assert not Payment.objects.exists()
    assert not Order.objects.exists()
    assert not CheckoutAttempt.objects.exists() and not StockReservation.objects.exists()
    assert [Offer.objects.get(pk=o.pk).stock for o in (shop.book, shop.lamp)] == [5, 3]


def test_an_unchanged_quote_is_charged_exactly_what_was_shown(shop):
    page = shown(shop)
    outcome = submit(shop, page)
    assert outcome.status == "completed"
    assert outcome.order.total_minor == outcome.order.payment.amount_minor == page["total"] == 9518


def test_a_price_raised_after_the_page_was_shown_charges_nothing_and_says_what_changed(shop):
    page = shown(shop)
    offer_price_set(by=TESTS, offer_id=shop.book.pk, price=Money(2490, "EUR"))  # the seller, meanwhile

    with pytest.raises(QuoteChanged) as raised:
        submit(shop, page)

    nothing_taken(shop)
    change = raised.value
    assert change.code == "checkout_quote_changed" and change.http_status == 409
    assert (change.previous_total_minor, change.total_minor) == (9518, 9518 + 2 * 500)
    assert [(c.kind, c.subject, c.before, c.after) for c in change.changes] == [
        ("price", shop.book.variant.product.title, 1990, 2490)
    ]
    # The cart still says the price went up: nothing was acknowledged on the customer's behalf.
    assert CartLine.objects.get(offer=shop.book).price_seen_minor == 1990


def test_confirming_the_new_total_charges_exactly_the_new_total_shown(shop):
    first = shown(shop)
    offer_price_set(by=TESTS, offer_id=shop.book.pk, price=Money(2490, "EUR"))
    with pytest.raises(QuoteChanged) as raised:
        submit(shop, first)

    again = shown(shop)  # the page shown with the change
    assert again["quote_fingerprint"] == raised.value.fingerprint
    outcome = submit(shop, again)

    assert outcome.status == "completed"
    assert outcome.order.payment.amount_minor == outcome.order.total_minor == again["total"] == 10518
    assert [Offer.objects.get(pk=o.pk).stock for o in (shop.book, shop.lamp)] == [3, 2]


def test_a_lower_price_also_asks_for_confirmation_and_never_charges_more_than_shown(shop):
    page = shown(shop)
    offer_price_set(by=TESTS, offer_id=shop.book.pk, price=Money(1500, "EUR"))
    with pytest.raises(QuoteChanged) as raised:
        submit(shop, page)
    nothing_taken(shop)
    assert raised.value.total_minor == 9518 - 2 * 490 < page["total"]

    outcome = submit(shop, shown(shop))
    assert outcome.order.payment.amount_minor == 9518 - 2 * 490


def test_a_shipping_change_stops_the_checkout(shop):
    page = shown(shop)
    ShippingProfile.objects.filter(seller=shop.seller_b).update(base_minor=790)

    with pytest.raises(QuoteChanged) as raised:
        submit(shop, page)

    nothing_taken(shop)
    assert [(c.kind, c.subject, c.before, c.after) for c in raised.value.changes] == [
        ("shipping", shop.seller_b.display_name, 590, 790)
    ]
    assert raised.value.total_minor == 9518 + 200


def test_a_quantity_changed_in_another_tab_stops_the_checkout(shop):
    page = shown(shop)
    cart_line_set_quantity(cart=shop.cart, offer_id=shop.lamp.pk, quantity=2)

    with pytest.raises(QuoteChanged) as raised:
        submit(shop, page)

    nothing_taken(shop)
    kinds = [(c.kind, c.before, c.after) for c in raised.value.changes]
    assert ("quantity", 1, 2) in kinds


def test_stock_that_ran_out_after_the_page_was_shown_takes_and_charges_nothing(shop):
    page = shown(shop)
    offer_stock_set(by=TESTS, offer_id=shop.book.pk, stock=1)  # the cart holds 2
    with pytest.raises(CheckoutNotPossible, match="Not enough stock left"):
        submit(shop, page)
    offer_stock_set(by=TESTS, offer_id=shop.book.pk, stock=5)
    offer_stock_set(by=TESTS, offer_id=shop.lamp.pk, stock=0)  # sold out: no longer on sale
    with pytest.raises(CheckoutNotPossible, match="no longer available"):
        submit(shop, page)

    assert not Payment.objects.exists() and not Order.objects.exists()
    assert [Offer.objects.get(pk=o.pk).stock for o in (shop.book, shop.lamp)] == [5, 0]


@pytest.mark.parametrize("fingerprint", ["", "0" * 32, "x" * 500])
def test_a_missing_or_forged_fingerprint_counts_as_a_change(shop, fingerprint):
    page = {**shown(shop), "quote_fingerprint": fingerprint, "quote_shown": "forged"}

    with pytest.raises(QuoteChanged) as raised:
        submit(shop, page)

    nothing_taken(shop)
    assert raised.value.changes == [] and raised.value.previous_total_minor is None
    assert raised.value.total_minor == 9518


def test_a_retry_of_a_submit_under_way_is_not_checked_again_and_charges_once(shop):
    page = shown(shop)
    key = new_key()
    first = submit(shop, page, key=key)
    offer_price_set(by=TESTS, offer_id=shop.book.pk, price=Money(2490, "EUR"))

    again = submit(shop, page, key=key)

    assert again.order.pk == first.order.pk
    assert Payment.objects.count() == 1 and Payment.objects.get().amount_minor == 9518


def test_a_shipping_change_while_the_customer_confirms_at_the_bank_keeps_the_order_at_the_amount_paid(shop):
    from galerie.checkout.services import checkout_return
    from galerie.payments.testgateway.services import charge_confirm
    from tests.checkout.conftest import CONFIRM

    page = shown(shop)
    outcome = checkout_submit(
        storefront=shop.storefront, cart=shop.cart, customer=shop.customer, address=ADDRESS,
        payment_method=CONFIRM, idempotency_key=new_key(), quote_fingerprint=page["quote_fingerprint"],
        quote_shown=page["quote_shown"], return_url="http://testserver/checkout/return/",
    )  # fmt: skip
    assert outcome.status == "requires_action"
    # While the customer is on the bank's page, a seller changes its shipping and a price.
    ShippingProfile.objects.filter(seller=shop.seller_b).update(base_minor=790)
    offer_price_set(by=TESTS, offer_id=shop.book.pk, price=Money(2490, "EUR"))
    charge_confirm(reference=outcome.attempt.payment.provider_reference, approve=True)

    done = checkout_return(attempt=CheckoutAttempt.objects.get())

    assert done.status == "completed"
    order = done.order
    assert order.total_minor == order.payment.amount_minor == page["total"] == 9518
    assert order.seller_orders.get(seller=shop.seller_b).shipping_minor == 590
