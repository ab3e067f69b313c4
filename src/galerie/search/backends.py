"""The two full-text engines behind one interface: PostgreSQL (tsvector, GIN, pg_trgm) and
SQLite (FTS5). Both index the same terms (galerie.search.text), so they find the same entries;
each ranks them with the same weights per part (``WEIGHTS``).

The objects each engine needs beside Django's tables are created by :func:`backend_install`,
which the migration ``0002_engine_objects`` calls (and the test suite, which builds its tables
without migrations, when it creates the test database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, BooleanField, Expression, F, FloatField

# How much a term found in each part of an entry weighs in the relevance score (docs/search.md,
# and the storefront's public ranking page).
WEIGHTS = {"title": 1.0, "brand": 0.6, "category": 0.4, "body": 0.1}
PARTS = ("title_terms", "brand_terms", "category_terms", "body_terms")

POSTGRES_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # The terms are stemmed and folded already: the 'simple' configuration only splits them.
    """ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_terms), 'A')
        || setweight(to_tsvector('simple', brand_terms), 'B')
        || setweight(to_tsvector('simple', category_terms), 'C')
        || setweight(to_tsvector('simple', body_terms), 'D')) STORED""",
    "CREATE INDEX IF NOT EXISTS search_entry_document_gin ON search_searchentry USING gin (document)",
    "CREATE INDEX IF NOT EXISTS search_term_word_trgm ON search_searchterm USING gin (word gin_trgm_ops)",
]
# Facet filters: value_ids && ARRAY[…] (any of these values), one bitmap scan. The column comes
# with migration 0003: when 0002 runs on a new database it is not there yet.
POSTGRES_VALUES_INSTALL = [
    "CREATE INDEX IF NOT EXISTS search_entry_values_gin ON search_searchentry USING gin (value_ids)",
]

_COLUMNS = ", ".join(PARTS)
_NEW = ", ".join(f"new.{c}" for c in PARTS)
_OLD = ", ".join(f"old.{c}" for c in PARTS)
SQLITE_INSTALL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_entry_fts USING fts5({_COLUMNS},
        content='search_searchentry', content_rowid='id', tokenize='unicode61')""",
    f"""CREATE TRIGGER IF NOT EXISTS search_entry_fts_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_entry_fts_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.id, {_OLD}); END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_entry_fts_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, {_COLUMNS})
        VALUES ('delete', old.id, {_OLD});
        INSERT INTO search_entry_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_term_fts USING fts5(word,
        content='search_searchterm', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS search_term_fts_ai AFTER INSERT ON search_searchterm BEGIN
        INSERT INTO search_term_fts(rowid, word) VALUES (new.id, new.word); END""",
    """CREATE TRIGGER IF NOT EXISTS search_term_fts_ad AFTER DELETE ON search_searchterm BEGIN
        INSERT INTO search_term_fts(search_term_fts, rowid, word) VALUES ('delete', old.id, old.word); END""",
    """CREATE TRIGGER IF NOT EXISTS search_term_fts_au AFTER UPDATE OF word ON search_searchterm BEGIN
        INSERT INTO search_term_fts(search_term_fts, rowid, word) VALUES ('delete', old.id, old.word);
        INSERT INTO search_term_fts(rowid, word) VALUES (new.id, new.word); END""",
    # Index the rows already there (none on a fresh database).
    "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')",
    "INSERT INTO search_term_fts(search_term_fts) VALUES ('rebuild')",
]


POSTGRES_UNINSTALL = [
    "DROP INDEX IF EXISTS search_entry_values_gin",
    "DROP INDEX IF EXISTS search_term_word_trgm",
    "DROP INDEX IF EXISTS search_entry_document_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS document",
    # pg_trgm stays: other objects of the database may use it, and creating it needs a privilege.
]
SQLITE_UNINSTALL = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "search_entry_fts_ai",
            "search_entry_fts_ad",
            "search_entry_fts_au",
            "search_term_fts_ai",
            "search_term_fts_ad",
            "search_term_fts_au",
        )
    ),
    "DROP TABLE IF EXISTS search_entry_fts",
    "DROP TABLE IF EXISTS search_term_fts",
]


def backend_install(connection: BaseDatabaseWrapper) -> None:
    """Create the engine's own tables, columns, triggers and indexes if they are missing.

    On SQLite, a migration that rebuilds ``search_searchentry`` or ``search_searchterm`` (any
    ``AlterField`` does) drops their triggers with the old table: run this again after it.
    """
    statements = {"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = connection.introspection.get_table_description(cursor, "search_searchentry")
            if any(column.name == "value_ids" for column in columns):
                statements = [*statements, *POSTGRES_VALUES_INSTALL]
        for statement in statements:
            cursor.execute(statement)


def backend_uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop what :func:`backend_install` created (except PostgreSQL's pg_trgm extension)."""
    statements = {"postgresql": POSTGRES_UNINSTALL, "sqlite": SQLITE_UNINSTALL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@dataclass(frozen=True)
class TextQuery:
    """Stemmed terms that must all occur; the last one may be a prefix (as the customer types)."""

    terms: tuple[str, ...]
    prefix_last: bool = False

    def postgres(self) -> str:
        parts = [f"'{t}'" for t in self.terms]
        if self.prefix_last and parts:
            parts[-1] += ":*"
        return " & ".join(parts)

    def sqlite(self) -> str:
        parts = [f'"{t}"' for t in self.terms]
        if self.prefix_last and parts:
            parts[-1] += "*"
        return " AND ".join(parts)


class EntrySQL(Expression):
    """A piece of SQL about the current SearchEntry row, ``{entry}`` standing for its table alias.

    The alias comes from the entry's primary key column as Django resolves it, so the piece
    stays right inside subqueries, where Django renames the tables (U0, U1 …).
    """

    def __init__(self, template: str, params: list, output_field) -> None:
        super().__init__(output_field=output_field)
        self.template, self.params, self.pk = template, params, F("pk")

    def get_source_expressions(self) -> list:
        return [self.pk]

    def set_source_expressions(self, expressions: Sequence[Any]) -> None:
        (self.pk,) = expressions

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(self.pk.alias)
        return self.template.format(entry=alias), list(self.params)


def text_match(query: TextQuery) -> EntrySQL:
    """Return a condition on SearchEntry: the entry holds every term of ``query``."""
    if connection.vendor == "postgresql":
        return EntrySQL("{entry}.document @@ to_tsquery('simple', %s)", [query.postgres()], BooleanField())
    return EntrySQL(
        "{entry}.id IN (SELECT rowid FROM search_entry_fts WHERE search_entry_fts MATCH %s)",
        [query.sqlite()],
        BooleanField(),
    )


def text_rank(query: TextQuery) -> EntrySQL:
    """Return the text relevance of an entry for ``query`` (higher is better; 0 if it misses)."""
    w = WEIGHTS
    if connection.vendor == "postgresql":
        # ts_rank takes the weights of D, C, B, A.
        # Doubled braces: the template goes through str.format() once more (EntrySQL.as_sql).
        weights = f"{{{{{w['body']},{w['category']},{w['brand']},{w['title']}}}}}"
        return EntrySQL(
            # Normalisation 1: divided by 1 + log(length), so shorter entries rank higher, as in bm25.
            f"ts_rank('{weights}', {{entry}}.document, to_tsquery('simple', %s), 1)",
            [query.postgres()],
            FloatField(),
        )
    weights = ", ".join(str(w[part]) for part in ("title", "brand", "category", "body"))
    return EntrySQL(
        # bm25() is lower for better matches.
        f"""COALESCE((SELECT -bm25(search_entry_fts, {weights}) FROM search_entry_fts
            WHERE search_entry_fts MATCH %s AND rowid = {{entry}}.id), 0)""",
        [query.sqlite()],
        FloatField(),
    )


def term_candidates(*, storefront_id: int, word: str, limit: int = 50) -> list[tuple[str, int]]:
    """Return (word, frequency) of the storefront's vocabulary words that look like ``word``:
    those sharing trigrams with it, found through a trigram index, never a scan."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT word, frequency FROM search_searchterm WHERE storefront_id = %s AND word %% %s"
                " ORDER BY similarity(word, %s) DESC, frequency DESC LIMIT %s",
                [storefront_id, word, word, limit],
            )
        else:
            grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
            if not grams:
                return []
            cursor.execute(
                "SELECT t.word, t.frequency FROM search_term_fts f JOIN search_searchterm t ON t.id = f.rowid"
                " WHERE search_term_fts MATCH %s AND t.storefront_id = %s ORDER BY f.rank LIMIT %s",
                [" OR ".join(f'"{g}"' for g in grams), storefront_id, limit * 4],
            )
        return [(row[0], row[1]) for row in cursor.fetchall()]


# --- the read model: value ids and offer lists (docs/search.md, "One read model") --------------


def _ints(ids) -> str:
    # Ids and amounts are written into the SQL as integers (never text from a request): the
    # same statement text for the same filters, and no parameter-count limits on SQLite.
    return ",".join(str(int(i)) for i in ids)


def values_any(ids) -> EntrySQL:
    """Return a condition on SearchEntry: the entry takes at least one of these value ids."""
    if not ids:
        return EntrySQL("1 = 0", [], BooleanField())
    if connection.vendor == "postgresql":
        return EntrySQL(f"{{entry}}.value_ids && ARRAY[{_ints(ids)}]::integer[]", [], BooleanField())
    return EntrySQL(
        f"EXISTS (SELECT 1 FROM json_each({{entry}}.value_ids) WHERE value IN ({_ints(ids)}))",
        [],
        BooleanField(),
    )


def ids_among(ids) -> EntrySQL:
    """Return a condition on SearchEntry: its id is one of ``ids`` (integers, read before)."""
    if not ids:
        return EntrySQL("1 = 0", [], BooleanField())
    return EntrySQL(f"{{entry}}.id IN ({_ints(ids)})", [], BooleanField())


@dataclass(frozen=True)
class OfferFilter:
    """What one offer of an entry must satisfy: a seller among ``sellers`` and a condition
    among ``conditions`` (SearchValue ids; None: any), a price with shipping within one of
    ``prices`` (inclusive (low, high) ranges, None ends open; empty: any)."""

    sellers: tuple[int, ...] | None = None
    conditions: tuple[int, ...] | None = None
    prices: tuple[tuple[int | None, int | None], ...] = ()

    @property
    def active(self) -> bool:
        return self.sellers is not None or self.conditions is not None or bool(self.prices)

    def where(self, seller: str, condition: str, price: str) -> str:
        parts = []
        if self.sellers is not None:
            parts.append(f"{seller} IN ({_ints(self.sellers)})" if self.sellers else "1 = 0")
        if self.conditions is not None:
            parts.append(f"{condition} IN ({_ints(self.conditions)})" if self.conditions else "1 = 0")
        ranges = []
        for low, high in self.prices:
            bounds = [f"{price} >= {int(low)}"] if low is not None else []
            bounds += [f"{price} <= {int(high)}"] if high is not None else []
            ranges.append(" AND ".join(bounds) or "1 = 1")
        if ranges:
            parts.append("(" + " OR ".join(f"({r})" for r in ranges) + ")")
        return " AND ".join(parts) or "1 = 1"


def offers_from(entry: str) -> tuple[str, tuple[str, str, str]]:
    """Return the FROM clause listing an entry's offers as rows, and its (seller, condition,
    price) columns; ``entry`` is the entry table's alias."""
    if connection.vendor == "postgresql":
        return (
            f"unnest({entry}.offer_sellers, {entry}.offer_conditions, {entry}.offer_prices) AS o(s, c, p)",
            ("o.s", "o.c", "o.p"),
        )
    return (
        f"json_each({entry}.offer_prices) AS op JOIN json_each({entry}.offer_sellers) AS os"
        f" ON os.key = op.key JOIN json_each({entry}.offer_conditions) AS oc ON oc.key = op.key",
        ("os.value", "oc.value", "op.value"),
    )


def offer_best_price(offers: OfferFilter) -> EntrySQL:
    """Return the price with shipping of the entry's cheapest offer that passes ``offers``
    (NULL when none does)."""
    source, (s, c, p) = offers_from("{entry}")
    return EntrySQL(f"(SELECT MIN({p}) FROM {source} WHERE {offers.where(s, c, p)})", [], BigIntegerField())


def offers_any(offers: OfferFilter) -> EntrySQL:
    """Return a condition on SearchEntry: one of its offers passes ``offers``."""
    source, (s, c, p) = offers_from("{entry}")
    return EntrySQL(f"EXISTS (SELECT 1 FROM {source} WHERE {offers.where(s, c, p)})", [], BooleanField())


def values_unnest(entry: str) -> tuple[str, str]:
    """Return the FROM clause listing an entry's value ids as rows, and its column."""
    if connection.vendor == "postgresql":
        return f"unnest({entry}.value_ids) AS v(id)", "v.id"
    return f"json_each({entry}.value_ids) AS v", "v.value"
