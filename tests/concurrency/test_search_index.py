"""Indexers racing on PostgreSQL: workers rebuilding overlapping products while a full reindex
runs and prices change, with real connections and threads. No deadlock, no duplicate entry, and
the index ends equal to a rebuild from scratch."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connections

from galerie.core.money import Money
from galerie.offers.services import offer_price_set
from galerie.search.models import SearchEntry
from galerie.search.services import search_index_products, search_reindex
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _snapshot() -> tuple[list, list]:
    entries = sorted(
        SearchEntry.objects.values_list("storefront_id", "product_id", "best_price_minor", "offer_count")
    )
    facets = sorted(SearchEntry.objects.values_list("product_id", "value_ids", "offer_prices"))
    return entries, facets


def test_concurrent_indexers_end_with_the_index_a_rebuild_makes():
    books = make_category("Livres")
    storefront = make_storefront(scope=[books])
    sellers = [make_seller(storefronts=[storefront]) for _ in range(2)]
    offers = []
    for n in range(40):
        variant = make_variant(product=make_product(category=books, title=f"Roman {n}"))
        offers += [make_offer(seller=seller, variant=variant, price_minor=1000 + n) for seller in sellers]
    product_ids = sorted({o.variant.product_id for o in offers})
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def run(job) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def overlapping(seed: int):
        def job() -> None:
            chosen = random.Random(seed).sample(product_ids, 25)
            for _ in range(3):
                search_index_products(product_ids=chosen)

        return job

    def prices() -> None:
        for offer in offers[:30]:
            offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(offer.price_minor + 500, "EUR"))
            search_index_products(product_ids=[offer.variant.product_id])

    jobs = [overlapping(1), overlapping(2), overlapping(3), lambda: search_reindex(), prices]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "an indexer is stuck (deadlock?)"
    assert errors == []

    search_index_products(product_ids=product_ids)  # what the last events' deliveries do
    after_race = _snapshot()
    search_reindex()
    assert _snapshot() == after_race
    assert len(after_race[0]) == 40
    # The first 15 products had both offers raised by 5 €: the index holds their new best price.
    raised = {o.variant.product_id for o in offers[:30]}
    assert len(raised) == 15
    assert (
        set(SearchEntry.objects.filter(best_price_minor__gte=1990).values_list("product_id", flat=True))
        == raised
    )
