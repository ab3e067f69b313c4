"""The "rating" sort of search: best rated first (the product's average on this storefront,
0 without reviews), ties by newest product, as the other sorts break theirs; against a brute
force over any ratings, with or without words and filters. The category listings' rating sort
is in tests/web/test_category_listing.py's brute-force test."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galerie.reviews.models import RatingSummary
from galerie.search.selectors import SearchFilters, SearchSort, search_page, search_query_parse
from galerie.search.services import search_reindex
from tests.factories import (
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    books = make_category("Romans")
    storefront = make_storefront(scope=[books], code="rt", name="Rated Shop")
    other = make_storefront(scope=[books])
    seller = make_seller(storefronts=[storefront])
    return storefront, other, books, seller


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ratings=st.lists(st.sampled_from([None, 0, 250, 400, 400, 500]), min_size=1, max_size=9),
    conditions=st.lists(st.sampled_from(["new", "used"]), min_size=9, max_size=9),
    typed=st.sampled_from(["", "roman", "policier"]),
    used_only=st.booleans(),
    page_size=st.integers(1, 4),
)
def test_search_sorted_by_rating_matches_a_brute_force(
    world, ratings, conditions, typed, used_only, page_size
):
    storefront, other, books, seller = world
    with transaction.atomic():
        model = []
        for n, rating in enumerate(ratings):
            title = f"Roman {'policier' if n % 2 else 'noir'} {n}"
            product = make_product(category=books, title=title)
            make_offer(seller=seller, variant=make_variant(product=product), price_minor=1000 + n,
                       condition=conditions[n])  # fmt: skip
            if rating is not None:
                RatingSummary.objects.create(storefront=storefront, kind="product", subject_id=product.pk,
                                             count=1, average_centi=rating)  # fmt: skip
            # Another storefront's summary of the same product never counts here.
            RatingSummary.objects.create(storefront=other, kind="product", subject_id=product.pk,
                                         count=1, average_centi=900 - n)  # fmt: skip
            model.append((product.pk, title, rating or 0, conditions[n]))
        search_reindex()
        expected = [
            pid
            for pid, title, _, condition in sorted(model, key=lambda m: (-m[2], -m[0]))
            if (not typed or typed in title.lower()) and (not used_only or condition == "used")
        ]
        filters = SearchFilters((("condition", ("used",)),)) if used_only else SearchFilters()
        query = search_query_parse(storefront=storefront, typed=typed)
        seen, number = [], 1
        while True:
            page = search_page(
                storefront=storefront, query=query, filters=filters, sort=SearchSort.RATING,
                page=number, page_size=page_size,
            )  # fmt: skip
            seen += [p.pk for p in page.products]
            if number >= page.pages:
                break
            number += 1
        assert seen == expected
        transaction.set_rollback(True)


def test_the_category_page_offers_the_rating_sort(client, world):
    storefront, _, books, seller = world
    high, low = (make_product(category=books, title=f"Livre {n}") for n in range(2))  # low is newer
    for product in (low, high):
        make_offer(seller=seller, variant=make_variant(product=product), price_minor=1500)
    RatingSummary.objects.create(
        storefront=storefront, kind="product", subject_id=high.pk, count=2, average_centi=450
    )
    RatingSummary.objects.create(
        storefront=storefront, kind="product", subject_id=low.pk, count=1, average_centi=200
    )
    search_reindex()
    page = client.get(f"/s/rt/c/{books.slug}/").content.decode()
    assert "?sort=rating" in page and page.index(low.title) < page.index(high.title)  # newest first
    sorted_page = client.get(f"/s/rt/c/{books.slug}/?sort=rating").content.decode()
    assert sorted_page.index(high.title) < sorted_page.index(low.title)
    search = client.get("/s/rt/search/?q=livre&sort=rating").content.decode()
    assert search.index(high.title) < search.index(low.title)
