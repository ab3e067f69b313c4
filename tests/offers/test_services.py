from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.core.money import Money
from galerie.offers.errors import OfferOutOfStock
from galerie.offers.models import Offer, PriceHistory
from galerie.offers.services import (
    offer_create,
    offer_price_set,
    offer_stock_set,
    offers_stock_release,
    offers_stock_take,
)
from galerie.sellers.errors import SellerNotActive
from tests.factories import TESTS, make_offer, make_seller, make_variant

pytestmark = pytest.mark.django_db


def test_creation_records_the_first_price():
    offer = make_offer(price_minor=1500)
    assert list(offer.price_history.values_list("price_minor", "currency")) == [(1500, "EUR")]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price_minor": 0}, "price_minor", "more than zero"),
        ({"price_minor": -5}, "price_minor", "more than zero"),
        ({"stock": -1}, "stock", "at least 0"),
        ({"condition": "broken"}, "condition", "not a valid choice"),
        ({"lead_time_days": 400}, "lead_time_days", "at most 365"),
    ],
)
def test_bad_offers_are_rejected_and_nothing_is_written(fields, field, message):
    seller, variant = make_seller(), make_variant()
    with pytest.raises(InvalidInput) as caught:
        make_offer(seller=seller, variant=variant, **fields)
    assert message in " ".join(caught.value.errors[field])
    assert not Offer.objects.exists()
    assert not PriceHistory.objects.exists()


def test_the_database_refuses_negative_stock_and_zero_price():
    offer = make_offer()
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(stock=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(price_minor=0)
    offer.refresh_from_db()
    assert (offer.stock, offer.price_minor) == (10, 1990)


def test_one_offer_per_seller_variant_and_condition():
    offer = make_offer()
    with pytest.raises(
        InvalidInput, match=f"already sell this product in this condition \\(offer {offer.pk}\\)"
    ) as refused:
        make_offer(seller=offer.seller, variant=offer.variant)
    assert "condition" in refused.value.errors
    make_offer(seller=offer.seller, variant=offer.variant, condition="used")
    assert Offer.objects.count() == 2


def test_an_applicant_cannot_list():
    seller = make_seller(active=False)
    with pytest.raises(SellerNotActive, match="applied"):
        offer_create(by=TESTS, seller=seller, variant=make_variant(), price=Money(100, "EUR"), stock=1)


def test_every_price_change_is_appended_to_the_history():
    offer = make_offer(price_minor=2000)
    offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(1800, "EUR"))
    offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(1800, "EUR"))  # unchanged: no new row
    offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(1900, "EUR"))
    assert list(offer.price_history.order_by("id").values_list("price_minor", flat=True)) == [
        2000,
        1800,
        1900,
    ]
    offer.refresh_from_db()
    assert offer.price_minor == 1900


def test_price_change_rejects_other_currency_and_zero():
    offer = make_offer(price_minor=2000)
    with pytest.raises(InvalidInput, match="priced in EUR, not USD"):
        offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(1000, "USD"))
    with pytest.raises(InvalidInput, match="more than zero"):
        offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(0, "EUR"))
    assert offer.price_history.count() == 1


def test_stock_moves():
    offer = make_offer(stock=3)
    offers_stock_take(lines={offer.pk: 2}, by=TESTS)
    with pytest.raises(OfferOutOfStock, match="Only 1 left of this offer; 2 asked"):
        offers_stock_take(lines={offer.pk: 2}, by=TESTS)
    offers_stock_release(lines={offer.pk: 2}, by=TESTS)
    offer_stock_set(by=TESTS, offer_id=offer.pk, stock=7)
    offer.refresh_from_db()
    assert offer.stock == 7
    with pytest.raises(InvalidInput, match="at least 0"):
        offer_stock_set(by=TESTS, offer_id=offer.pk, stock=-2)


def test_stock_moves_name_the_variant_so_its_cached_pages_go_stale():
    offer = make_offer(stock=3)
    offers_stock_take(lines={offer.pk: 3}, by=TESTS)
    offers_stock_release(lines={offer.pk: 1}, by=TESTS)
    moves = ["offer.stock_taken", "offer.stock_released"]
    events = OutboxEvent.objects.filter(topic__in=moves).order_by("id")
    assert [(e.topic, e.payload) for e in events] == [
        ("offer.stock_taken", {"offer_id": offer.pk, "variant_id": offer.variant_id, "quantity": 3}),
        ("offer.stock_released", {"offer_id": offer.pk, "variant_id": offer.variant_id, "quantity": 1}),
    ]


def test_history_timestamps_are_kept():
    offer = make_offer(price_minor=2000)
    then = timezone.now() - timedelta(days=3)
    offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(1500, "EUR"), at=then)
    assert offer.price_history.order_by("-id").first().valid_from == then
