"""A full rebuild (``search_reindex``) writes the same rows as the incremental indexer
(``search_index_products``, what the outbox handler runs) for the same catalog: every column
of every entry, and the vocabulary with its frequencies. On PostgreSQL the rebuild of a large
catalog takes another path (secondary indexes dropped, several worker processes, COPY of the
vocabulary): a second test forces it on a small catalog."""

from __future__ import annotations

import pytest

from galerie.catalog import services as catalog
from galerie.catalog.models import Product
from galerie.core.money import Money
from galerie.offers.services import offer_price_set, offer_status_set
from galerie.search import services
from galerie.search.models import SearchEntry, SearchTerm
from galerie.search.services import search_index_products, search_reindex
from galerie.sellers.services import seller_suspend
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_product_type,
    make_seller,
    make_storefront,
    make_variant,
)

COLUMNS = [f.attname for f in SearchEntry._meta.concrete_fields if f.attname not in ("id", "indexed_at")]


def _catalog() -> list[int]:
    """Two French storefronts and an English one with overlapping scopes, sellers admitted to
    some of them, offers of every condition, some out of stock, paused or of a suspended
    seller, a product unpublished, attributes on products and variants, a reduced price."""
    books = make_category("Livres")
    novels = make_category("Romans policiers", parent=books)
    home = make_category("Maison & jardin")
    kitchen = make_category("Cuisine équipée", parent=home)
    fr_all = make_storefront(scope=[books, home], default_language="fr")
    fr_books = make_storefront(scope=[novels], default_language="fr")
    en_home = make_storefront(scope=[home], default_language="en")
    sellers = [
        make_seller(storefronts=[fr_all, fr_books]),
        make_seller(storefronts=[fr_all, en_home]),
        make_seller(storefronts=[fr_books, en_home]),
        make_seller(storefronts=[fr_all]),
    ]
    seller_suspend(seller_id=sellers[3].pk, reason="Test: suspended seller.", ground="Seller terms §7")
    book_type = make_product_type()
    brands = [catalog.brand_create(name="Éditions du Lac"), catalog.brand_create(name="Kiln & Co")]
    conditions = ["new", "like_new", "used"]
    ids = []
    for n in range(36):
        category = [books, novels, home, kitchen][n % 4]
        product = make_product(
            category=category,
            product_type=book_type,
            title=f"Le mystère n°{n} de la cuisine à l'œil — édition {n % 5}",
            brand=brands[n % 2] if n % 3 else None,
            description=f"Un roman policier illustré, les enquêtes {n} du commissaire Élise. " * (n % 4),
            attributes={"author": ["Jules Verne", "Émile Zola", "Agatha Christie"][n % 3], "pages": 100 + n},
        )
        ids.append(product.pk)
        for v in range(1 + n % 2):
            variant = make_variant(
                product=product, attributes={"format": ["paperback", "hardcover"][v]}, name=f"Tome {v}"
            )
            for s, seller in enumerate(sellers):
                if (n + s + v) % 3 == 0:
                    continue
                offer = make_offer(
                    seller=seller,
                    variant=variant,
                    price_minor=500 + 137 * ((n * 7 + s * 3 + v) % 40),
                    stock=0 if (n + s) % 7 == 0 else 5,
                    condition=conditions[(n + s + v) % 3],
                )
                if (n + s) % 5 == 0:
                    offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(offer.price_minor - 100, "EUR"))
                if (n + s) % 11 == 0:
                    offer_status_set(by=TESTS, offer_id=offer.pk, status="paused")
    Product.objects.filter(pk=ids[5]).update(status=Product.Status.DRAFT)
    return ids


def _rows() -> tuple[list, list]:
    entries = sorted(SearchEntry.objects.values_list(*COLUMNS))
    terms = sorted(SearchTerm.objects.values_list("storefront_id", "word", "frequency"))
    return entries, terms


def _incremental(product_ids: list[int]) -> tuple[list, list]:
    SearchEntry.objects.all().delete()
    SearchTerm.objects.all().delete()
    search_index_products(product_ids=product_ids)
    return _rows()


@pytest.mark.django_db
def test_a_full_rebuild_writes_what_the_incremental_indexer_writes():
    ids = _catalog()
    incremental = _incremental(ids)
    assert len(incremental[0]) > 20 and incremental[1]
    storefronts = {row[COLUMNS.index("storefront_id")] for row in incremental[0]}
    assert len(storefronts) == 3
    assert any(row[COLUMNS.index("deal_rank")] is not None for row in incremental[0])
    SearchEntry.objects.all().delete()
    SearchTerm.objects.all().delete()
    search_reindex()
    assert _rows() == incremental
    search_reindex()  # over a full index: the same again
    assert _rows() == incremental


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_bulk_rebuild_of_postgresql_writes_the_same_rows(monkeypatch):
    ids = _catalog()
    incremental = _incremental(ids)
    # The path of a large catalog on this small one: indexes dropped and rebuilt, the
    # products shared between worker processes in small chunks.
    monkeypatch.setattr(services, "BULK_PRODUCTS", 1)
    monkeypatch.setattr(services, "BULK_CHUNK", 5)
    shared = []
    in_workers = services._index_in_workers
    monkeypatch.setattr(
        services,
        "_index_in_workers",
        lambda run, chunks, *args: shared.append(len(chunks)) or in_workers(run, chunks, *args),
    )
    search_reindex()
    assert _rows() == incremental
    assert shared == [7]  # the 35 published products went through the worker processes, 5 by 5
    SearchEntry.objects.all().delete()
    SearchTerm.objects.all().delete()
    search_reindex()
    assert _rows() == incremental
