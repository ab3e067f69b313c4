"""The withdrawal period at written dates (``now=``): when it opens, when it ends, what the
page offers and why not."""

from __future__ import annotations

import pytest

from galerie.catalog.models import ProductType
from galerie.orders.delivery import seller_order_deliver_from_carrier
from galerie.orders.models import SellerOrder
from galerie.orders.services import seller_order_accept, seller_order_ship
from galerie.returns.errors import LineNotReturnable, WithdrawalNotOffered
from galerie.returns.models import Return, WithdrawalPeriod
from galerie.returns.periods import french_holidays, withdrawal_ends_at, withdrawal_state
from galerie.returns.services import withdrawal_declare, withdrawal_periods_sync
from tests.factories import make_offer, make_seller, make_variant
from tests.returns.conftest import at, deliver

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_period_ends_at_midnight_after_the_fourteenth_day():
    # Delivered Monday 2 March 2026: the 14th day is Monday 16 March, the function closes at
    # midnight that night.
    assert withdrawal_ends_at(at("2026-03-02 14:05")) == at("2026-03-17 00:00")
    # The day of delivery does not count, whatever the hour.
    assert withdrawal_ends_at(at("2026-03-02 00:01")) == at("2026-03-17 00:00")


def test_a_period_ending_on_a_weekend_or_holiday_runs_to_the_next_working_day():
    # Delivered Saturday 7 March: the 14th day is Saturday 21 March → Monday 23 March.
    assert withdrawal_ends_at(at("2026-03-07 10:00")) == at("2026-03-24 00:00")
    # Easter Monday 2026 is 6 April: delivered 23 March, 14th day 6 April → Tuesday 7 April.
    assert withdrawal_ends_at(at("2026-03-23 10:00")) == at("2026-04-08 00:00")
    assert {at("2026-04-06 00:00").date(), at("2026-05-14 00:00").date()} <= french_holidays(2026)


def test_the_period_counts_from_the_delivery_of_the_seller_orders_last_item(placed):
    # Seller A ships its two books in one parcel; its delivery (the last of its items) is on 9
    # March, seller B's lamp arrived earlier: each part counts from its own delivery.
    b = deliver(placed.part_b, placed.owner_b, at("2026-03-02 09:00"))
    a = deliver(placed.part_a, placed.owner_a, at("2026-03-09 18:30"))
    state_a = withdrawal_state(seller_order=a, now=at("2026-03-20 12:00"))
    state_b = withdrawal_state(seller_order=b, now=at("2026-03-20 12:00"))
    assert (state_a.offered, state_a.ends_at) == (True, at("2026-03-24 00:00"))
    assert (state_b.offered, state_b.why, state_b.ends_at) == (False, "over", at("2026-03-17 00:00"))


def test_the_last_instant_is_inside_the_first_outside(placed):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    assert withdrawal_state(seller_order=part, now=at("2026-03-16 23:59")).offered
    with pytest.raises(WithdrawalNotOffered, match="over"):
        withdrawal_declare(
            seller_order_id=part.pk, customer=placed.customer,
            quantities={part.lines.get().pk: 1}, now=at("2026-03-17 00:00"),
        )  # fmt: skip
    assert Return.objects.count() == 0


def test_a_period_that_ended_yesterday_offers_nothing_and_says_why(placed, client):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    state = withdrawal_state(seller_order=part, now=at("2026-03-18 09:00"))
    assert (state.offered, state.why) == (False, "over")
    assert state.defect_until is not None  # the legal guarantee goes on


def test_the_job_opens_and_closes_periods_exactly_at_their_end(placed):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    assert withdrawal_periods_sync(now=at("2026-03-05 00:00")) == (1, 0)
    period = WithdrawalPeriod.objects.get(seller_order=part)
    assert (period.status, period.ends_at) == ("open", at("2026-03-17 00:00"))
    assert withdrawal_periods_sync(now=at("2026-03-16 23:59")) == (0, 0)
    assert withdrawal_periods_sync(now=at("2026-03-17 00:00")) == (0, 1)
    period.refresh_from_db()
    assert period.status == "over"


def test_a_private_sellers_part_has_no_withdrawal(shop):
    from galerie.cart.services import cart_add
    from galerie.checkout.services import checkout_place_order
    from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
    from tests.factories import make_user
    from tests.returns.conftest import settle

    private = make_seller(storefronts=[shop.storefront], kind="private")
    offer = make_offer(seller=private, variant=make_variant(), price_minor=1500, stock=3)
    customer = make_user()
    cart = cart_add(storefront=shop.storefront, cart=None, customer=customer, offer_id=offer.pk, quantity=1)
    order = checkout_place_order(
        storefront=shop.storefront, cart=cart, customer=customer, address=ADDRESS,
        payment_method=SUCCESS, idempotency_key=new_key(), return_url="http://testserver/r/",
    ).order  # fmt: skip
    settle()
    owner = make_user()
    from galerie.sellers.models import SellerMember
    from galerie.sellers.services import seller_member_add

    seller_member_add(seller=private, user=owner, role=SellerMember.Role.OWNER)
    part = deliver(order.seller_orders.get(), owner, at("2026-03-02 14:05"))
    state = withdrawal_state(seller_order=part, now=at("2026-03-03 10:00"))
    assert (state.offered, state.why) == (False, "private_seller")
    with pytest.raises(WithdrawalNotOffered, match="private seller"):
        withdrawal_declare(
            seller_order_id=part.pk, customer=customer,
            quantities={part.lines.get().pk: 1}, now=at("2026-03-03 10:00"),
        )  # fmt: skip
    assert withdrawal_periods_sync(now=at("2026-03-03 10:00")) == (0, 0)


@pytest.mark.parametrize(
    "exception, seal, refused",
    [
        ("personalised", None, True),
        ("press", None, True),
        ("perishable", None, True),
        ("sealed_hygiene", False, True),
        ("sealed_media", False, True),
        ("sealed_media", True, False),
        ("none", None, False),
    ],
)
def test_excluded_product_types_say_why(placed, exception, seal, refused):
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    line = part.lines.get()
    ProductType.objects.filter(pk=line.variant.product.product_type_id).update(withdrawal_exception=exception)
    seals = {} if seal is None else {line.pk: seal}
    now = at("2026-03-05 10:00")
    if refused:
        with pytest.raises((LineNotReturnable, WithdrawalNotOffered), match="L221-28"):
            withdrawal_declare(
                seller_order_id=part.pk,
                customer=placed.customer,
                quantities={line.pk: 1},
                seals=seals,
                now=now,
            )
        assert Return.objects.count() == 0
    else:
        ret = withdrawal_declare(
            seller_order_id=part.pk, customer=placed.customer, quantities={line.pk: 1}, seals=seals, now=now
        )
        assert ret.lines.get().seal_intact is seal


def test_the_worker_knows_the_jobs():
    from galerie.core.delivery import jobs_autodiscover

    jobs = jobs_autodiscover()
    assert jobs["returns.withdrawal_periods"].every_seconds == 300
    assert jobs["returns.refunds_due"].every_seconds == 60


def test_a_part_refunded_in_full_already_offers_no_withdrawal(placed):
    """An incident (or the operator) gave the whole part back: a withdrawal would refund nothing."""
    part = deliver(placed.part_a, placed.owner_a, at("2026-03-02 14:05"))
    SellerOrder.objects.filter(pk=part.pk).update(refunded_minor=part.total_minor)
    part.refresh_from_db()
    state = withdrawal_state(seller_order=part, now=at("2026-03-05 10:00"))
    assert (state.offered, state.why) == (False, "refunded")
    line = part.lines.first()
    with pytest.raises(WithdrawalNotOffered, match="refunded in full"):
        withdrawal_declare(
            seller_order_id=part.pk,
            customer=placed.customer,
            quantities={line.pk: 1},
            now=at("2026-03-05 10:00"),
        )
    assert not Return.objects.filter(seller_order=part).exists()


def test_two_items_of_one_seller_in_two_parcels_count_from_the_later_delivery(placed):
    """Seller A ships its two books in two parcels (art. 9(2)(b)(ii) of Directive 2011/83/EU,
    L221-18 2°): the period runs from the receipt of the last one, and not at all before it."""
    part, [line] = placed.part_a, placed.part_a.lines.all()
    seller_order_accept(seller_order_id=part.pk, acting_user=placed.owner_a)
    for tracking, shipped in (("6A-FIRST", "2026-03-02 10:00"), ("6A-SECOND", "2026-03-08 10:00")):
        seller_order_ship(
            seller_order_id=part.pk, acting_user=placed.owner_a, carrier="Colissimo",
            tracking_number=tracking, quantities={line.pk: 1}, now=at(shipped),
        )  # fmt: skip
    first = at("2026-03-03 11:00")
    seller_order_deliver_from_carrier(carrier="", tracking_number="6A-FIRST", delivered_at=first, now=first)
    part.refresh_from_db()
    # One book received: the period has not started, the function is not offered yet.
    assert (part.status, part.delivered_at) == (SellerOrder.Status.SHIPPED, None)
    state = withdrawal_state(seller_order=part, now=at("2026-03-05 12:00"))
    assert (state.offered, state.why, state.ends_at) == (False, "not_delivered", None)
    last = at("2026-03-10 16:45")
    seller_order_deliver_from_carrier(carrier="", tracking_number="6A-SECOND", delivered_at=last, now=last)
    part.refresh_from_db()
    assert (part.status, part.delivered_at) == (SellerOrder.Status.DELIVERED, last)
    # Counted from the first parcel the period would have ended on 18 March at midnight; it
    # counts from the second: the 14th day is Tuesday 24 March.
    on_the_18th = withdrawal_state(seller_order=part, now=at("2026-03-18 09:00"))
    assert (on_the_18th.offered, on_the_18th.ends_at) == (True, at("2026-03-25 00:00"))
    assert on_the_18th.last_day == at("2026-03-24 00:00").date()
    assert withdrawal_state(seller_order=part, now=at("2026-03-24 23:59")).offered
    over = withdrawal_state(seller_order=part, now=at("2026-03-25 00:00"))
    assert (over.offered, over.why) == (False, "over")
