"""The search engine's database objects come from one installer that the migration calls: it
can be undone and redone, and redone on a database that already holds entries, they are found.
On SQLite and PostgreSQL alike."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from galerie.search.backends import backend_install, backend_uninstall
from galerie.search.selectors import search_page, search_query_parse, search_suggest
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

OBJECTS = {
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE name IN"
        " ('search_entry_fts', 'search_term_fts', 'search_entry_fts_ai', 'search_entry_fts_ad',"
        " 'search_entry_fts_au', 'search_term_fts_ai', 'search_term_fts_ad', 'search_term_fts_au')"
    ),
    "postgresql": (
        "SELECT indexname FROM pg_indexes WHERE indexname IN"
        " ('search_entry_document_gin', 'search_term_word_trgm')"
        " UNION ALL SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'search_searchentry' AND column_name = 'document'"
    ),
}
COUNT = {"sqlite": 8, "postgresql": 3}


def _installed() -> int:
    with connection.cursor() as cursor:
        cursor.execute(OBJECTS[connection.vendor])
        return len(cursor.fetchall())


def _titles(storefront, typed: str) -> list[str]:
    query = search_query_parse(storefront=storefront, typed=typed)
    return [p.title for p in search_page(storefront=storefront, query=query).products]


def test_the_migration_removes_the_objects_and_puts_them_back_over_existing_entries():
    shelf = make_category("Kitchen")
    storefront = make_storefront(scope=[shelf], code="kitchen")
    variant = make_variant(product=make_product(category=shelf, title="Copper saucepan"))
    make_offer(seller=make_seller(storefronts=[storefront]), variant=variant)
    search_reindex()
    migration = importlib.import_module("galerie.search.migrations.0002_engine_objects")
    # The operations only read the editor's connection (SQLite's real editor refuses to open
    # inside the test's transaction).
    editor = SimpleNamespace(connection=connection)
    assert _installed() == COUNT[connection.vendor]
    assert _titles(storefront, "saucepan") == ["Copper saucepan"]

    if connection.vendor == "postgresql":  # ALTER TABLE waits for no deferred check of this transaction
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.backward(apps, editor)
    assert _installed() == 0

    migration.forward(apps, editor)
    assert _installed() == COUNT[connection.vendor]
    assert _titles(storefront, "saucepan") == ["Copper saucepan"]
    assert _titles(storefront, "saucepam") == ["Copper saucepan"]  # the vocabulary's index is back too
    assert [
        title for title, _ in search_suggest(storefront=storefront, typed="sauce", cache_seconds=0).products
    ] == ["Copper saucepan"]


def test_installing_twice_changes_nothing():
    backend_install(connection)
    backend_install(connection)
    assert _installed() == COUNT[connection.vendor]
    backend_uninstall(connection)
    backend_uninstall(connection)
    assert _installed() == 0
    backend_install(connection)
    assert _installed() == COUNT[connection.vendor]
