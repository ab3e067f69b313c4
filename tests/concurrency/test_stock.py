"""Invariant 1 on PostgreSQL, with real connections: stock never goes below zero."""

import threading

import pytest
from django.db import connection, connections

from galerie.offers.errors import OfferOutOfStock
from galerie.offers.models import Offer
from galerie.offers.services import offers_stock_take
from tests.factories import TESTS, make_offer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_takers_of_the_last_ten_units():
    offer = make_offer(stock=10)
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy() -> None:
        try:
            barrier.wait()
            offers_stock_take(lines={offer.pk: 1}, by=TESTS)
            result = "taken"
        except OfferOutOfStock:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert connection.vendor == "postgresql"
    assert outcomes.count("taken") == 10
    assert outcomes.count("refused") == 40
    assert Offer.objects.get(pk=offer.pk).stock == 0


def test_a_quantity_larger_than_the_stock_is_refused_whole():
    offer = make_offer(stock=3)
    with pytest.raises(OfferOutOfStock, match="Only 3 left"):
        offers_stock_take(lines={offer.pk: 4}, by=TESTS)
    assert Offer.objects.get(pk=offer.pk).stock == 3
