"""A seller's part of an order: accept, refuse (refund), ship; only that seller's staff may act."""

from __future__ import annotations

import pytest

from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.orders.errors import OrderNotFound
from galerie.orders.jobs import refunds_due
from galerie.orders.models import Order, SellerOrder
from galerie.orders.selectors import (
    order_get_for_customer,
    seller_order_get_for_member,
    seller_orders_for_member,
)
from galerie.orders.services import seller_order_accept, seller_order_refuse, seller_order_ship
from galerie.payments.models import Payment, Refund
from tests.orders.conftest import deliver_webhooks

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_seller_sees_only_its_part(placed):
    assert list(seller_orders_for_member(placed.owner_a)) == [placed.part_a]
    assert list(seller_orders_for_member(placed.owner_b)) == [placed.part_b]
    with pytest.raises(OrderNotFound):
        seller_order_get_for_member(placed.owner_b, number=placed.part_a.number)
    with pytest.raises(OrderNotFound):
        seller_order_accept(seller_order_id=placed.part_a.pk, acting_user=placed.owner_b)
    assert SellerOrder.objects.get(pk=placed.part_a.pk).status == SellerOrder.Status.NEW
    assert list(seller_orders_for_member(placed.customer)) == []


def test_the_customer_sees_the_order_and_no_one_else_does(placed):
    assert order_get_for_customer(customer=placed.customer, number=placed.order.number) == placed.order
    with pytest.raises(OrderNotFound):
        order_get_for_customer(customer=placed.owner_a, number=placed.order.number)


def test_accept_then_ship_with_tracking_and_the_order_is_fulfilled_when_all_parts_are(placed):
    for part, owner in ((placed.part_a, placed.owner_a), (placed.part_b, placed.owner_b)):
        seller_order_accept(seller_order_id=part.pk, acting_user=owner)
    seller_order_accept(seller_order_id=placed.part_a.pk, acting_user=placed.owner_a)  # a retry: no-op
    shipped = seller_order_ship(
        seller_order_id=placed.part_a.pk,
        acting_user=placed.clerk_a,
        carrier="Colissimo",
        tracking_number="6A123",
    )
    assert (shipped.status, shipped.carrier, shipped.tracking_number) == ("shipped", "Colissimo", "6A123")
    assert Order.objects.get(pk=placed.order.pk).status == Order.Status.PLACED
    seller_order_ship(
        seller_order_id=placed.part_b.pk, acting_user=placed.owner_b, carrier="DPD", tracking_number="DPD-9"
    )
    assert Order.objects.get(pk=placed.order.pk).status == Order.Status.FULFILLED


def test_a_shipping_clerk_cannot_refuse_and_shipping_needs_a_tracking_number(placed):
    with pytest.raises(OrderNotFound):
        seller_order_refuse(seller_order_id=placed.part_a.pk, acting_user=placed.clerk_a, reason="no")
    with pytest.raises(InvalidTransition):
        seller_order_ship(
            seller_order_id=placed.part_a.pk, acting_user=placed.clerk_a, carrier="DPD", tracking_number="X1"
        )
    seller_order_accept(seller_order_id=placed.part_a.pk, acting_user=placed.owner_a)
    with pytest.raises(InvalidInput) as raised:
        seller_order_ship(
            seller_order_id=placed.part_a.pk, acting_user=placed.clerk_a, carrier="", tracking_number=" "
        )
    assert set(raised.value.errors) == {"carrier", "tracking_number"}
    assert SellerOrder.objects.get(pk=placed.part_a.pk).status == SellerOrder.Status.ACCEPTED


def test_a_refusal_after_capture_refunds_that_sellers_part_once(placed):
    deliver_webhooks()  # the capture is confirmed
    assert Payment.objects.get().status == Payment.Status.CAPTURED
    refused = seller_order_refuse(
        seller_order_id=placed.part_b.pk, acting_user=placed.owner_b, reason="Broken"
    )
    assert refused.status == "refused" and refused.refunded_minor == refused.total_minor == 5090
    seller_order_refuse(seller_order_id=placed.part_b.pk, acting_user=placed.owner_b, reason="Broken")
    assert refunds_due() == 0
    deliver_webhooks()
    assert list(Refund.objects.values_list("amount_minor", flat=True)) == [5090]
    payment = Payment.objects.get()
    assert payment.refunded_minor == 5090 and payment.captured_minor == placed.order.total_minor
    assert Order.objects.get(pk=placed.order.pk).status == Order.Status.PLACED  # seller A's part is open


def test_a_refusal_before_the_capture_is_confirmed_is_refunded_by_the_job_later(placed):
    refused = seller_order_refuse(seller_order_id=placed.part_b.pk, acting_user=placed.owner_b, reason="Gone")
    if refused.refunded_minor == 0:  # the gateway could not refund an unconfirmed capture yet
        assert not Refund.objects.exists()
        deliver_webhooks()
        assert refunds_due() == 1
    assert SellerOrder.objects.get(pk=placed.part_b.pk).refunded_minor == 5090
    assert refunds_due() == 0
    assert Refund.objects.count() == 1
