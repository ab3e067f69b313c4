"""The closure of a storefront on PostgreSQL, the whole story (issue 15): orders in every state, a
payment webhook arriving late, a seller missing its acceptance deadline, a seller also selling on
another storefront; announce, no sale from the date, every deadline's job run at later times
(``now`` passed, the clock not frozen); then nothing blocks, the finish pays the sellers and closes
it, the ledger balances, and the other storefront is as it was — its pages, orders and money
compared before and after."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from galerie.cart.services import cart_add
from galerie.core.money import Money
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.closure import storefront_held_funds
from galerie.ledger.models import AccountKind, JournalLine, Payout
from galerie.ledger.selectors import seller_position, trial_balance, unbalanced_entry_ids
from galerie.orders.deadlines import seller_orders_expire
from galerie.orders.delivery import seller_orders_deem_delivered
from galerie.orders.jobs import refunds_due
from galerie.orders.models import Order, SellerOrder
from galerie.orders.services import (
    seller_order_accept,
    seller_order_deliver,
    seller_order_refuse,
    seller_order_ship,
)
from galerie.payments.models import Payment, Refund
from galerie.payments.services.refunds import payment_refund
from galerie.sellers.models import SellerMember, ShippingProfile
from galerie.sellers.services import seller_member_add
from galerie.storefronts.closure import (
    closure_blockers,
    storefront_closure_announce,
    storefronts_closure_finish_due,
    storefronts_sales_stop,
)
from galerie.storefronts.errors import StorefrontNotSelling
from galerie.storefronts.models import Storefront
from tests.factories import make_offer, make_product, make_seller, make_user, make_variant
from tests.storefronts.closure_world import make_world, part, place, work

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stable(response) -> str:
    return re.sub(r'(nonce|value)="[^"]{20,}"', "", response.content.decode())


def ship(order_part, owner) -> None:
    seller_order_accept(seller_order_id=order_part.pk, acting_user=owner)
    seller_order_ship(
        seller_order_id=order_part.pk, acting_user=owner, carrier="La Poste", tracking_number="T9"
    )


def clust_snapshot(world, client) -> dict:
    """What the closure must not touch: the other storefront's pages, orders and money."""
    category = world.book.variant.product.category.slug
    pages = {
        path: stable(client.get(f"/s/clust/{path}")) for path in ("", f"c/{category}/", "p/vingt-mille/")
    }
    orders = list(
        SellerOrder.objects.filter(order__storefront=world.other)
        .order_by("pk")
        .values("pk", "number", "status", "total_minor", "refunded_minor", "delivered_at", "order__status")
    )
    lines = list(
        JournalLine.objects.filter(payment__order__storefront=world.other)
        .order_by("pk")
        .values_list("pk", "account_id", "debit_minor", "credit_minor", "seller_order_id")
    )
    refunds = list(Refund.objects.filter(payment__order__storefront=world.other).values_list("pk", "status"))
    return {"pages": pages, "orders": orders, "lines": lines, "refunds": refunds}


def test_a_storefront_closes_with_nothing_lost_and_the_other_storefront_untouched(settings):
    settings.CACHE_BYPASS = True  # pages rendered, not served from a cache: compared for real
    assert connection.vendor == "postgresql"
    t0 = timezone.now()
    world = make_world()
    Storefront.objects.filter(pk=world.other.pk).update(accept_within_hours=720)
    seller_c = make_seller(storefronts=[world.closing])  # it will miss its deadline
    ShippingProfile.objects.create(seller=seller_c, kind="flat", base_minor=300)
    owner_c = make_user()
    seller_member_add(seller=seller_c, user=owner_c, role=SellerMember.Role.OWNER)
    vase = make_offer(
        seller=seller_c,
        variant=make_variant(
            product=make_product(category=world.lamp.variant.product.category, title="Vase")
        ),
        price_minor=3000,
        stock=10,
    )
    # The other storefront: seller A's delivered order, its money available; and an accepted one.
    clust_done, clust_open = place(world.other, world.book), place(world.other, world.book)
    work()
    ship(part(clust_done, world.seller_a), world.owner_a)
    seller_order_deliver(seller_order_id=part(clust_done, world.seller_a).pk, acting_user=world.owner_a)
    SellerOrder.objects.filter(pk=part(clust_done, world.seller_a).pk).update(
        delivered_at=t0 - timedelta(days=30)
    )
    seller_order_accept(seller_order_id=part(clust_open, world.seller_a).pk, acting_user=world.owner_a)
    assert seller_orders_make_available(now=t0) == 1

    # Alapage: an order in every state.
    new = place(world.closing, vase)  # seller C never answers
    accepted = place(world.closing, world.lamp)
    shipped = place(world.closing, world.book)
    delivered = place(world.closing, world.book)
    refused = place(world.closing, world.lamp)
    partial = place(world.closing, world.book, world.lamp)
    work()
    seller_order_accept(seller_order_id=part(accepted, world.seller_b).pk, acting_user=world.owner_b)
    ship(part(shipped, world.seller_a), world.owner_a)
    for order in (delivered, partial):
        ship(part(order, world.seller_a), world.owner_a)
        seller_order_deliver(seller_order_id=part(order, world.seller_a).pk, acting_user=world.owner_a)
    ship(part(partial, world.seller_b), world.owner_b)
    seller_order_deliver(seller_order_id=part(partial, world.seller_b).pk, acting_user=world.owner_b)
    seller_order_refuse(
        seller_order_id=part(refused, world.seller_b).pk, acting_user=world.owner_b, reason="Cassée"
    )
    # A payment whose capture webhook comes two days late.
    settings.GALERIE_TEST_GATEWAY_WEBHOOKS = {"delay_seconds": 2 * 86400}
    late = place(world.closing, world.lamp)
    work(now=t0)
    settings.GALERIE_TEST_GATEWAY_WEBHOOKS = {}
    assert Payment.objects.get(pk=late.payment_id).status != Payment.Status.CAPTURED
    refunds_due()
    work(now=t0)

    client = Client()
    before = clust_snapshot(world, client)
    a_before = seller_position(seller_id=world.seller_a.pk, currency="EUR")

    # The decision: no sale from today.
    storefront_closure_announce(
        storefront_id=world.closing.pk, closing_on=timezone.localdate(), reason="Revue du portefeuille"
    )
    assert storefronts_sales_stop(now=t0) == 1
    world.closing.refresh_from_db()
    with pytest.raises(StorefrontNotSelling):
        cart_add(
            storefront=world.closing, cart=None, customer=make_user(), offer_id=world.book.pk, quantity=1
        )
    place(world.other, world.book, customer=make_user())  # the same offer still sells on Clust
    work(now=t0)
    clust_after_sale = clust_snapshot(world, client)  # (a new Clust order: the reference from here)
    assert len(clust_after_sale["orders"]) == len(before["orders"]) + 1
    before = clust_after_sale
    blockers = closure_blockers(storefront_id=world.closing.pk, now=t0)
    assert blockers.open_seller_orders == 4  # new (C), accepted (B), shipped (A), the late one (B)
    assert blockers.withdrawal_open == 3  # delivered, and both parts of the partial one
    assert blockers.payments_unsettled == 1  # the late webhook
    assert blockers.held_minor["EUR"] > 0 and blockers.ledger_balanced

    # Open orders go on after the date: shipped, delivered, refused; a partial refund (a return).
    ship(part(accepted, world.seller_b), world.owner_b)
    seller_order_accept(seller_order_id=part(late, world.seller_b).pk, acting_user=world.owner_b)
    seller_order_deliver(seller_order_id=part(shipped, world.seller_a).pk, acting_user=world.owner_a)
    payment_refund(
        payment_id=partial.payment_id,
        amount=Money(1000, "EUR"),
        idempotency_key="return-partial-1",
        reason="retour",
    )
    # Two days later: the late webhook comes, seller C's deadline has passed.
    t2 = t0 + timedelta(hours=49)
    assert seller_orders_expire(now=t2) == 1
    refunds_due()
    work(now=t2)
    assert Payment.objects.get(pk=late.payment_id).status == Payment.Status.CAPTURED
    assert SellerOrder.objects.get(pk=part(new, seller_c).pk).status == "cancelled"
    seller_order_ship(
        seller_order_id=part(late, world.seller_b).pk,
        acting_user=world.owner_b,
        carrier="DPD",
        tracking_number="L1",
    )
    seller_order_deliver(seller_order_id=part(late, world.seller_b).pk, acting_user=world.owner_b)
    # Accepted and shipped, never marked: deemed delivered after the storefront's days.
    t12 = t0 + timedelta(days=12)
    assert seller_orders_deem_delivered(now=t12) == 1
    work(now=t12)
    blockers = closure_blockers(storefront_id=world.closing.pk, now=t12)
    assert (blockers.open_seller_orders, blockers.pending_refunds, blockers.payments_unsettled) == (0, 0, 0)
    assert blockers.withdrawal_open > 0  # still within 14 days of a delivery
    assert storefronts_closure_finish_due(now=t12) == 0

    # After the last withdrawal period: the final payouts, and closed.
    t_end = t0 + timedelta(days=12 + 15)
    held = storefront_held_funds(storefront_id=world.closing.pk)
    assert storefronts_closure_finish_due(now=t_end) == 1
    world.closing.refresh_from_db()
    assert world.closing.status == "closed" and world.closing.closed_at == t_end
    after = closure_blockers(storefront_id=world.closing.pk, now=t_end)
    assert not after
    assert (
        after.open_seller_orders,
        after.pending_refunds,
        after.withdrawal_open,
        after.payments_unsettled,
    ) == (
        0,
        0,
        0,
        0,
    )
    assert after.held_minor == {} and after.ledger_balanced
    assert unbalanced_entry_ids() == []
    assert sum(row["balance_minor"] for row in trial_balance(currency="EUR")) == 0

    # Every seller of Alapage paid what it held from Alapage, nothing more, in one final payout.
    payouts = {
        p.seller_id: p for p in Payout.objects.filter(entry__idempotency_key__startswith="closure-payout:")
    }
    assert set(payouts) == {world.seller_a.pk, world.seller_b.pk}  # C's only order was refunded
    for seller_id, payout in payouts.items():
        assert payout.amount_minor + payout.debt_netted_minor == held[(seller_id, "EUR")].held
        assert payout.reserve_minor == 0
    # Every Alapage order ends delivered (money paid to its seller) or refunded in full.
    for order_part in SellerOrder.objects.filter(order__storefront=world.closing):
        if order_part.status in ("refused", "cancelled"):
            assert order_part.refunded_minor == order_part.total_minor
        else:
            assert order_part.status == "delivered"
    assert not Refund.objects.filter(status=Refund.Status.PENDING).exists()

    # The other storefront: its pages, orders and ledger lines as they were.
    now_clust = clust_snapshot(world, client)
    assert now_clust == before
    # Seller A keeps exactly its Clust money: Alapage's part went out, nothing of Clust's did.
    a_after = seller_position(seller_id=world.seller_a.pk, currency="EUR")
    clust_credits = JournalLine.objects.filter(
        payment__order__storefront=world.other,
        account__seller_id=world.seller_a.pk,
        account__kind__in=[AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE],
    ).aggregate(c=Sum("credit_minor"), d=Sum("debit_minor"))
    assert a_after["pending"] + a_after["available"] == clust_credits["c"] - clust_credits["d"] > 0
    assert a_before["available"] <= a_after["available"] + payouts[world.seller_a.pk].amount_minor

    # Closed: 410 with a link to Clust; the customer still reaches the order.
    gone = client.get("/s/alapage/")
    assert gone.status_code == 410 and "/s/clust/" in gone.content.decode()
    client.force_login(Order.objects.get(pk=delivered.pk).customer)
    assert client.get(f"/s/alapage/account/orders/{delivered.number}/").status_code == 200
