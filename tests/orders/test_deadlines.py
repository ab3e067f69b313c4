"""The seller's acceptance deadline: a part still new after the storefront's hours is cancelled,
refunded once and the customer told; an accepted or refused part is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from galerie.core.models import OutboxEvent, StatusChange
from galerie.ledger.selectors import owed_by_kind
from galerie.notifications.handlers import HANDLERS, seller_order_cancelled
from galerie.orders.deadlines import seller_orders_expire
from galerie.orders.jobs import acceptance_deadline
from galerie.orders.models import Order, SellerOrder
from galerie.orders.services import seller_order_accept
from galerie.payments.models import Refund
from tests.orders.conftest import deliver_webhooks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_part_not_accepted_in_time_is_cancelled_refunded_once_and_the_customer_told(placed, smtp_inbox):
    deliver_webhooks()  # captured
    seller_order_accept(seller_order_id=placed.part_a.pk, acting_user=placed.owner_a)
    hours = placed.storefront.accept_within_hours
    placed_at = placed.order.placed_at
    assert SellerOrder.objects.get(pk=placed.part_b.pk).accept_by == placed_at + timedelta(hours=hours)

    assert seller_orders_expire(now=placed_at + timedelta(hours=hours, seconds=-1)) == 0
    assert SellerOrder.objects.get(pk=placed.part_b.pk).status == "new"

    assert seller_orders_expire(now=placed_at + timedelta(hours=hours)) == 1
    part_a, part_b = (SellerOrder.objects.get(pk=p.pk) for p in (placed.part_a, placed.part_b))
    assert (part_a.status, part_b.status) == ("accepted", "cancelled")
    assert part_b.refunded_minor == part_b.total_minor == 5090
    change = StatusChange.objects.get(object_pk=str(part_b.pk), to_status="cancelled")
    assert change.actor_id is None and change.reason == f"not accepted within {hours} hours"
    assert seller_orders_expire(now=placed_at + timedelta(days=30)) == 0  # nothing left to do
    deliver_webhooks()
    assert list(Refund.objects.values_list("amount_minor", flat=True)) == [5090]
    assert Order.objects.get(pk=placed.order.pk).status == Order.Status.PLACED  # A's part is open

    event = OutboxEvent.objects.get(topic="seller_order.cancelled")
    assert event.payload["reason"] == "acceptance_deadline"
    assert seller_order_cancelled in HANDLERS["seller_order.cancelled"]
    seller_order_cancelled(event)
    seller_order_cancelled(event)  # delivered twice: one e-mail
    [mail] = smtp_inbox.to(placed.order.email)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert placed.order.number in mail["Subject"] and "pas confirmé votre commande à temps" in body
    owed = owed_by_kind(payment_id=placed.order.payment_id, seller_order_id=part_b.pk)
    assert owed.get("seller_payable", 0) == 0


def test_the_job_uses_each_storefronts_own_deadline(placed):
    placed.storefront.accept_within_hours = 1
    placed.storefront.save(update_fields=["accept_within_hours"])
    assert seller_orders_expire(now=placed.order.placed_at + timedelta(minutes=59)) == 0
    assert seller_orders_expire(now=placed.order.placed_at + timedelta(hours=1)) == 2
    assert set(SellerOrder.objects.values_list("status", flat=True)) == {"cancelled"}
    assert Order.objects.get(pk=placed.order.pk).status == Order.Status.CANCELLED


def test_the_periodic_job_leaves_orders_within_their_deadline(placed):
    assert acceptance_deadline() == 0
    assert placed.order.placed_at > timezone.now() - timedelta(hours=placed.storefront.accept_within_hours)
    assert set(SellerOrder.objects.values_list("status", flat=True)) == {"new"}
