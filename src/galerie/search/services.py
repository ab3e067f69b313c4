"""Writes of the search index: rebuild the entries of some products, or of everything.

The index is derived data: an entry is computed from the product, its variants and its
sellable offers, and replaces whatever was there (delete, then insert) in one transaction
that holds the products' row locks, so two indexers of one product never interleave.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import queue
import threading
import traceback
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from galerie.catalog.models import Brand, Category, Product, ProductType, Variant
from galerie.core import surrogates
from galerie.core.locking import lock_rows
from galerie.offers.models import CONDITION_RANK, Condition, Offer
from galerie.offers.selectors.sellable import _sellers_admitted, reductions
from galerie.pricing.shipping import LOI_LANG_COUNTRY, ShippingRule, loi_lang_applies
from galerie.search import text
from galerie.search.counts import counts_entries_replaced, counts_rebuild
from galerie.search.models import SearchEntry, SearchTerm
from galerie.sellers.models import Seller
from galerie.storefronts.selectors import storefronts_public

T = TypeVar("T")
Row = Mapping[str, Any]  # a row of the catalog as the indexer reads it
CHUNK = 500  # products per transaction of a rebuild
# A full rebuild of at least this many products drops the entries' secondary indexes and
# builds them again at the end (PostgreSQL), with larger chunks.
BULK_PRODUCTS = 20_000
BULK_CHUNK = 2_000
# Processes that share a bulk rebuild on PostgreSQL (one per core): building the entries is
# Python work, and the database writes of one overlap the other's.
WORKERS = min(2, os.cpu_count() or 1)
ANALYZE_EVERY = 50  # chunks between two ANALYZE of the index tables during a rebuild (PostgreSQL)
DESCRIPTION_CHARS = 2000  # of a description, what the index reads
# Bands of the best price with shipping, in minor units: "0-1000" … "100000-" (docs/search.md).
PRICE_BANDS = (1000, 2000, 5000, 10000, 20000, 50000, 100000)


_BANDS = (
    *(f"{low}-{high}" for low, high in zip((0, *PRICE_BANDS[:-1]), PRICE_BANDS, strict=True)),
    f"{PRICE_BANDS[-1]}-",
)
_BAND_FACETS = tuple(("price", band, "") for band in _BANDS)
# Texts an index run keeps split and stemmed (titles, brands, attribute values, variant names):
# emptied when full.
PARTS_KEPT = 200_000


def price_band(amount_minor: int) -> str:
    """Return the band of a price: ``"<low>-<high>"`` in minor units, the last one open."""
    return _BANDS[bisect_right(PRICE_BANDS, amount_minor)]


@dataclass
class _Storefront:
    pk: int
    language: str
    currency: str
    scope: tuple[str, ...]  # category paths; empty: the whole catalog
    admitted: set[int]  # active sellers admitted to it


@dataclass
class _Seller:
    slug: str
    name: str
    rule: ShippingRule
    facet: tuple[str, str, str] = ("", "", "")  # ("seller", slug, name)


@dataclass(slots=True)
class _Place:
    """A category as a storefront shows it: its facets (the category and those above it in the
    storefront's scope, root first), their names' words counted in the vocabulary and their
    terms in the storefront's language."""

    facets: tuple[tuple[str, str, str], ...]
    counted: list[str]
    terms: str


@dataclass(slots=True)
class _Entry:
    """An entry as the indexer builds it: the columns of ``SearchEntry`` it writes, under the
    same names, without the cost of a model instance (a rebuild makes hundreds of thousands)."""

    storefront_id: int
    product_id: int
    category_id: int
    brand_id: int | None
    product_type_id: int
    title_terms: str
    brand_terms: str
    category_terms: str
    body_terms: str
    title_key: str
    best_price_minor: int
    offer_count: int
    created_at: datetime
    value_ids: list[int] = field(default_factory=list)
    offer_sellers: list[int] = field(default_factory=list)
    offer_conditions: list[int] = field(default_factory=list)
    offer_prices: list[int] = field(default_factory=list)
    deal_price_minor: int | None = None
    deal_prior_minor: int | None = None
    deal_until: datetime | None = None
    deal_rank: int | None = None
    # What _resolve_values and _deals read: (seller slug, condition) and price of each
    # sellable offer; the best offer's row.
    _offers: list[tuple[tuple[str, str], int]] = field(default_factory=list)
    _best_offer: Mapping[str, Any] = field(default_factory=dict)

    def model(self) -> SearchEntry:
        """The model instance of this entry (the ORM's bulk insert, off PostgreSQL)."""
        return SearchEntry(**{name: getattr(self, name) for name in INSERTED if name != "indexed_at"})


@dataclass
class IndexRun:
    """What one run reads once and keeps: storefronts, categories, sellers; what it counted."""

    storefronts: list[_Storefront]
    categories: dict[int, Category]
    by_path: dict[str, Category]
    sellers: dict[int, _Seller] = field(default_factory=dict)
    words: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    value_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    value_labels: dict[tuple[str, str], str] = field(default_factory=dict)
    entries: int = 0
    products: int = 0
    touched: set[int] = field(default_factory=set)  # storefronts whose entries changed
    rebuilding: bool = False  # a full rebuild: every listing key is bumped at its end
    _places: dict[tuple[int, int], _Place] = field(default_factory=dict)
    # Per text and language: its words the vocabulary counts and its terms (_part).
    _parts: dict[tuple[str, str], tuple[list[str], list[str]]] = field(default_factory=dict)
    # Per storefront, the words of the chunk being indexed, counted at its end (one update).
    _counted: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def start(cls, storefront_ids: Iterable[int] | None = None) -> IndexRun:
        storefronts = storefronts_public().prefetch_related("catalog_scope")
        if storefront_ids is not None:
            storefronts = storefronts.filter(pk__in=list(storefront_ids))
        return cls(
            storefronts=[
                _Storefront(
                    pk=s.pk,
                    language=s.default_language,
                    currency=s.currency,
                    scope=tuple(c.path for c in s.catalog_scope.all()),
                    admitted=set(_sellers_admitted(s).values()),
                )
                for s in storefronts
            ],
            categories=(categories := Category.objects.in_bulk()),
            by_path={c.path: c for c in categories.values()},
        )

    def _load_sellers(self, ids: set[int]) -> None:
        missing = ids - self.sellers.keys()
        for seller in Seller.objects.filter(pk__in=missing).select_related("shipping_profile"):
            rule = ShippingRule.of(getattr(seller, "shipping_profile", None))
            name = seller.display_name
            self.sellers[seller.pk] = _Seller(seller.slug, name, rule, ("seller", seller.slug, name))

    def _placed(self, category: Category, storefront: _Storefront) -> _Place:
        """The category and those above it that a storefront shows, as facets, words and
        terms (``_Place``); computed once per category and storefront."""
        key = (category.pk, storefront.pk)
        if (found := self._places.get(key)) is None:
            ancestors = self._ancestors(category)
            if scope := storefront.scope:  # what lies above the scope's roots is not a facet here
                ancestors = [c for c in ancestors if any(c.path.startswith(root) for root in scope)]
            counted: list[str] = []
            for c in ancestors:
                counted += self._part(c.name, storefront.language)[0]
            found = self._places[key] = _Place(
                facets=tuple(("category", c.slug, c.name) for c in ancestors),
                counted=counted,
                terms=text.terms_text(" ".join(c.name for c in ancestors), storefront.language),
            )
        return found

    def _part(self, part: str, language: str) -> tuple[list[str], list[str]]:
        """The words of one text that the vocabulary counts (3 to 64 letters) and its terms
        in ``language``; kept for the run (a catalogue repeats its titles, brands and values).

        The terms of texts joined by spaces are those of each text one after the other
        (tests/search/test_text.py): an entry's body terms are its parts' terms, joined."""
        key = (part, language)
        if (found := self._parts.get(key)) is None:
            if len(self._parts) >= PARTS_KEPT:
                self._parts.clear()
            folded = text.words(part)
            counted = [w for w in folded if 3 <= len(w) <= 64]
            found = self._parts[key] = (counted, text.stems(folded, language))
        return found

    def _ancestors(self, category: Category) -> list[Category]:
        """The category and those above it, root first (materialised paths: no query)."""
        step = Category.steplen
        chain = [
            self.by_path.get(category.path[: i * step]) for i in range(1, len(category.path) // step + 1)
        ]
        return [c for c in chain if c is not None]

    def index(self, product_ids: list[int], *, force_bump: bool = False) -> None:
        """Replace the entries of these products in the run's storefronts; one transaction.

        ``force_bump``: the products themselves changed (a title, a picture): bump the listing
        keys of their storefronts even if their entries read the same."""
        with transaction.atomic():
            products, variants, offers = _catalog_read(product_ids)
            self._load_sellers({o["seller_id"] for rows in offers.values() for o in rows})
            storefront_ids = [s.pk for s in self.storefronts]
            # A full rebuild bumps every storefront at its end: no need to compare.
            entries = _of_products(SearchEntry.objects.filter(storefront_id__in=storefront_ids), product_ids)
            before = {} if self.rebuilding else {(row[0], row[1]): row for row in entries.values_list(*SHOWN)}
            _entries_delete(entries)
            built = [
                built
                for product in products
                if product["status"] == Product.Status.PUBLISHED
                for storefront in self.storefronts
                if (built := self._entry(product, variants[product["id"]], offers[product["id"]], storefront))
            ]
            for storefront_id, counted in self._counted.items():
                self.words[storefront_id].update(counted)
            self._counted.clear()
            self._deals([entry for entry, _ in built])
            self._resolve_values(built)
            _entries_insert([entry for entry, _ in built])
            if not self.rebuilding:  # a full rebuild recounts at its end (search.counts)
                counts_entries_replaced(
                    {key: row[SHOWN.index("value_ids")] for key, row in before.items()},
                    {(e.storefront_id, e.product_id): e.value_ids for e, _ in built},
                )
            # The pages of the storefronts whose entries changed may show other products now:
            # on commit, their listing key changes (core/surrogates.py). An entry rebuilt the
            # same (a stock change that leaves it on sale) changes nothing. A full rebuild
            # compares nothing: every entry it writes is new.
            if self.rebuilding:
                changed = {e.storefront_id for e, _ in built}
            else:
                after = {(e.storefront_id, e.product_id): _shown(e) for e, _ in built}
                changed = {
                    storefront_id
                    for key in before.keys() | after.keys()
                    if force_bump or before.get(key) != after.get(key)
                    for storefront_id in (key[0],)
                }
                surrogates.bump_on_commit(surrogates.key("listing", pk) for pk in changed)
            self.touched |= changed
        self.products += len(product_ids)
        self.entries += len(built)

    def _price_shipped(self, offer: Mapping[str, Any]) -> int:
        price = offer["price_minor"]
        return price + self.sellers[offer["seller_id"]].rule.cost(items_minor=price, quantity=1)

    def _entry(
        self,
        product: Mapping[str, Any],
        variants: list[Row],
        offers: list[Row],
        storefront: _Storefront,
    ) -> tuple[_Entry, list[tuple[str, str, str]]] | None:
        category = self.categories.get(product["category_id"])
        if category is None or (storefront.scope and not category.path.startswith(storefront.scope)):
            return None
        # In the order of their ids (_catalog_read): a rebuilt entry reads the same as before.
        currency, admitted = storefront.currency, storefront.admitted
        sellable = [o for o in offers if o["currency"] == currency and o["seller_id"] in admitted]
        if not sellable:
            return None
        # The price a customer pays for one item: the offer's price and its seller's shipping.
        sellers = self.sellers
        # A new book's delivery follows the fixed book price (docs/loi-lang.md), as on its page.
        books = product["product_type__is_book"] and loi_lang_applies(
            currency=currency, country=LOI_LANG_COUNTRY
        )
        prices = [
            o["price_minor"]
            + sellers[o["seller_id"]].rule.one_item(
                price_minor=o["price_minor"], new_book=books and o["condition"] == Condition.NEW
            )[0]
            for o in sellable
        ]
        language = storefront.language
        place = self._placed(category, storefront)
        part = self._part
        # "all": one row per entry, so that the facet query counts the results too.
        # Price bands, conditions and sellers: those of every sellable offer (the offer facets).
        facets: set[tuple[str, str, str]] = {("all", "", ""), *place.facets}
        facets.update([_BAND_FACETS[bisect_right(PRICE_BANDS, price)] for price in prices])
        if product["brand_id"] is not None:
            facets.add(("brand", product["brand__slug"], product["brand__name"]))
        per_offer: list[tuple[str, str]] = []
        for offer in sellable:
            seller = sellers[offer["seller_id"]]
            condition = offer["condition"]
            facets.add(("condition", condition, ""))
            facets.add(seller.facet)
            per_offer.append((seller.slug, condition))
        # The vocabulary counts the words of the title, the brand, the categories and the body
        # but the description; the body's terms are those of its parts, the description last.
        title = product["title"]
        brand_name = product["brand__name"] or ""
        title_counted, title_terms_list = part(title, language)
        brand_counted, brand_terms_list = part(brand_name, language)
        counted = self._counted[storefront.pk]
        counted += title_counted
        counted += brand_counted
        counted += place.counted
        body: list[str] = []
        for attributes in [product["attributes"], *(v["attributes"] for v in variants)]:
            for code, value in attributes.items():
                if value is None or value == "":
                    continue
                shown = value if value.__class__ is str else _attribute_text(value)
                facets.add((f"a:{code}"[:64], shown[:140], shown[:255]))
                words, terms = part(shown, language)
                counted += words
                body += terms
        for v in variants:
            if name := v["name"]:
                words, terms = part(name, language)
                counted += words
                body += terms
        for v in variants:
            if gtin := v["gtin"]:  # one per variant: not kept
                folded = text.words(gtin)
                counted += [w for w in folded if 3 <= len(w) <= 64]
                body += text.stems(folded, language)
        body += text.terms(product["description"][:DESCRIPTION_CHARS], language)
        title_terms = " ".join(title_terms_list)
        entry = _Entry(
            storefront_id=storefront.pk,
            product_id=product["id"],
            category_id=product["category_id"],
            brand_id=product["brand_id"],
            product_type_id=product["product_type_id"],
            title_terms=title_terms,
            brand_terms=" ".join(brand_terms_list),
            category_terms=place.terms,
            body_terms=" ".join(body),
            title_key=title_terms[:255],
            best_price_minor=min(prices),
            offer_count=len(sellable),
            created_at=product["created_at"],
        )
        # Filled by _resolve_values (value ids) and _deals, for the whole chunk at once.
        entry._offers = list(zip(per_offer, prices, strict=True))
        entry._best_offer = (
            sellable[0]
            if len(sellable) == 1
            else min(
                sellable,
                key=lambda o: (
                    o["price_minor"],
                    CONDITION_RANK.get(o["condition"], 9),
                    o["lead_time_days"],
                    o["id"],
                ),
            )
        )
        return entry, sorted(facets)

    def _resolve_values(self, built: list[tuple[_Entry, list[tuple[str, str, str]]]]) -> None:
        """Set each entry's value ids and offer lists, adding the values the dictionary lacks."""
        wanted: dict[tuple[str, str], str] = {}
        for entry, facets in built:
            for name, value, label in facets:
                wanted[(name, value)] = label
            for (seller, condition), _price in entry._offers:
                wanted[("cs", f"{condition}:{seller}")] = ""
        self._values_ensure(wanted)
        ids = self.value_ids
        for entry, facets in built:
            offers = entry._offers
            value_ids = {ids[(name, value)] for name, value, _ in facets}
            value_ids.update(ids[("cs", f"{condition}:{seller}")] for (seller, condition), _ in offers)
            entry.value_ids = sorted(value_ids)
            entry.offer_sellers = [ids[("seller", seller)] for (seller, _), _ in offers]
            entry.offer_conditions = [ids[("condition", condition)] for (_, condition), _ in offers]
            entry.offer_prices = [price for _, price in offers]

    def values_preload(self) -> None:
        """Read the whole value dictionary (a full rebuild meets most of it)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, name, value, label FROM search_searchvalue")
            for pk, name, value, label in cursor.fetchall():
                self.value_ids[(name, value)] = pk
                self.value_labels[(name, value)] = label

    def _values_ensure(self, wanted: dict[tuple[str, str], str]) -> None:
        """Know the id of every (name, value) wanted; add the missing ones, relabel the renamed.
        Plain SQL: a query per 500 values unknown to this run, an upsert for those missing."""
        unknown = [k for k in wanted if k not in self.value_ids]
        with connection.cursor() as cursor:
            for chunk in _chunks(unknown, 500):
                names = sorted({n for n, _ in chunk})
                values = sorted({v for _, v in chunk})
                cursor.execute(
                    "SELECT id, name, value, label FROM search_searchvalue"
                    f" WHERE name IN ({', '.join(['%s'] * len(names))})"
                    f" AND value IN ({', '.join(['%s'] * len(values))})",
                    [*names, *values],
                )
                for pk, name, value, label in cursor.fetchall():
                    self.value_ids[(name, value)] = pk
                    self.value_labels[(name, value)] = label
            stale = sorted(
                (name, value, label[:255])
                for (name, value), label in wanted.items()
                if (name, value) not in self.value_ids or self.value_labels.get((name, value)) != label[:255]
            )
            # An upsert: another indexer may add the same values meanwhile (in key order, so
            # that two indexers adding the same new values wait for each other, never deadlock).
            for rows in _chunks(stale, 500):
                cursor.execute(
                    "INSERT INTO search_searchvalue (name, value, label) VALUES "
                    + ", ".join(["(%s, %s, %s)"] * len(rows))
                    + " ON CONFLICT (name, value) DO UPDATE SET label = excluded.label"
                    " RETURNING id, name, value, label",
                    [field for row in rows for field in row],
                )
                for pk, name, value, label in cursor.fetchall():
                    self.value_ids[(name, value)] = pk
                    self.value_labels[(name, value)] = label

    def _deals(self, entries: list[_Entry]) -> None:
        """Set the reduction of each entry's best offer (docs/search.md, "Home page")."""
        best = {entry._best_offer["id"] for entry in entries}
        found = reductions(best, now=timezone.now()) if best else {}
        for entry in entries:
            offer = entry._best_offer
            if (reduction := found.get(offer["id"])) is not None:
                prior, until = reduction
                entry.deal_price_minor = offer["price_minor"]
                entry.deal_prior_minor = prior
                entry.deal_until = until
                entry.deal_rank = offer["price_minor"] * 10_000 // prior

    def save_words(self, *, replace: bool) -> int:
        """Write the vocabulary seen: ``replace`` a rebuilt storefront's, or add the new words."""
        written = 0
        with transaction.atomic():
            for storefront_id, counts in self.words.items():
                if replace and connection.vendor == "postgresql":
                    _terms_replace(storefront_id, counts)
                    written += len(counts)
                    continue
                if replace:
                    SearchTerm.objects.filter(storefront_id=storefront_id).delete()
                rows = [
                    SearchTerm(storefront_id=storefront_id, word=w, frequency=n) for w, n in counts.items()
                ]
                if replace:  # an upsert: a worker may add one of these words meanwhile
                    SearchTerm.objects.bulk_create(
                        rows,
                        batch_size=2000,
                        update_conflicts=True,
                        unique_fields=["storefront", "word"],
                        update_fields=["frequency"],
                    )
                else:
                    SearchTerm.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
                written += len(rows)
        self.words.clear()
        return written


def _terms_replace(storefront_id: int, counts: Mapping[str, int]) -> None:
    """Replace a storefront's vocabulary on PostgreSQL: COPY into a temporary table, then write
    only what differs — delete the words gone, upsert the new ones and those whose frequency
    changed (a worker may add one of these words meanwhile). A rebuild finds a few hundred
    thousand words, nearly all as they were: rewriting them all (their trigram index, a
    deferred foreign-key check each) took 7 s of the rebuild's end, the difference a second."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS search_terms_load (word varchar(64), frequency integer)"
            " ON COMMIT DELETE ROWS"
        )
        raw = cursor.cursor  # psycopg 3's cursor, under Django's wrapper
        with raw.copy("COPY search_terms_load (word, frequency) FROM STDIN") as copy:
            for row in counts.items():
                copy.write_row(row)
        cursor.execute("ANALYZE search_terms_load")  # a temporary table has no statistics
        cursor.execute(
            "DELETE FROM search_searchterm t WHERE t.storefront_id = %s"
            " AND NOT EXISTS (SELECT 1 FROM search_terms_load l WHERE l.word = t.word)",
            [storefront_id],
        )
        cursor.execute(
            "INSERT INTO search_searchterm (storefront_id, word, frequency)"
            " SELECT %s, word, frequency FROM search_terms_load"
            " ON CONFLICT (storefront_id, word) DO UPDATE SET frequency = excluded.frequency"
            " WHERE search_searchterm.frequency <> excluded.frequency",
            [storefront_id],
        )
        cursor.execute("TRUNCATE search_terms_load")


# What a listing or a home block shows of an entry: a change of any of these changes a page.
SHOWN = (
    "storefront_id",
    "product_id",
    "category_id",
    "brand_id",
    "title_key",
    "best_price_minor",
    "offer_count",
    "value_ids",
    "offer_sellers",
    "offer_conditions",
    "offer_prices",
    "deal_price_minor",
    "deal_prior_minor",
    "deal_until",
)


def _shown(entry: _Entry) -> tuple:
    return tuple(getattr(entry, name) for name in SHOWN)


# The columns a rebuild writes (the PostgreSQL tsvector is generated from the terms).
INSERTED = (
    "storefront_id",
    "product_id",
    "category_id",
    "brand_id",
    "product_type_id",
    "title_terms",
    "brand_terms",
    "category_terms",
    "body_terms",
    "title_key",
    "best_price_minor",
    "offer_count",
    "created_at",
    "indexed_at",
    "value_ids",
    "offer_sellers",
    "offer_conditions",
    "offer_prices",
    "deal_price_minor",
    "deal_prior_minor",
    "deal_until",
    "deal_rank",
)


def _catalog_read(product_ids: list[int]) -> tuple[list[Row], dict[int, list[Row]], dict[int, list[Row]]]:
    """Lock these products and read what their entries are made of, as plain rows: the
    products (with their brand), their variants in order, their active offers in stock by id.

    PostgreSQL: four statements of plain SQL, each with the ids as one array parameter (an
    ``IN`` of 2,000 placeholders cost more to build than to run) and no ORM on the way.
    Elsewhere the same rows through the ORM."""
    products: list[Row]
    variants: dict[int, list[Row]] = defaultdict(list)
    offers: dict[int, list[Row]] = defaultdict(list)
    if connection.vendor != "postgresql":
        lock_rows(Product.objects.only("pk"), product_ids)
        products = list(
            Product.objects.filter(pk__in=product_ids).values(
                "id",
                "status",
                "category_id",
                "brand_id",
                "brand__slug",
                "brand__name",
                "product_type_id",
                "product_type__is_book",
                "title",
                "description",
                "attributes",
                "created_at",
            )
        )
        for variant in Variant.objects.filter(product_id__in=product_ids).values(
            "product_id", "gtin", "name", "attributes"
        ):
            variants[variant["product_id"]].append(variant)
        for offer in (
            Offer.objects.filter(variant__product_id__in=product_ids, status=Offer.Status.ACTIVE, stock__gt=0)
            .order_by("id")
            .values(
                "id",
                "variant__product_id",
                "seller_id",
                "condition",
                "price_minor",
                "currency",
                "lead_time_days",
            )
        ):
            offers[offer["variant__product_id"]].append(offer)
        return products, variants, offers
    ids = sorted(set(product_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Product._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids]
        )
        cursor.execute(
            "SELECT p.id, p.status, p.category_id, p.brand_id, b.slug, b.name, p.product_type_id,"
            f" p.title, left(p.description, %s), p.attributes, p.created_at, pt.is_book"
            f" FROM {Product._meta.db_table} p"
            f" JOIN {ProductType._meta.db_table} pt ON pt.id = p.product_type_id"
            f" LEFT JOIN {Brand._meta.db_table} b ON b.id = p.brand_id WHERE p.id = ANY(%s)",
            [DESCRIPTION_CHARS, ids],
        )
        products = [
            {
                "id": row[0],
                "status": row[1],
                "category_id": row[2],
                "brand_id": row[3],
                "brand__slug": row[4],
                "brand__name": row[5],
                "product_type_id": row[6],
                "title": row[7],
                "description": row[8],
                "attributes": json.loads(row[9]),
                "created_at": row[10],
                "product_type__is_book": row[11],
            }
            for row in cursor.fetchall()
        ]
        cursor.execute(
            f"SELECT product_id, gtin, name, attributes FROM {Variant._meta.db_table}"
            " WHERE product_id = ANY(%s) ORDER BY product_id, position, id",
            [ids],
        )
        for product_id, gtin, name, attributes in cursor.fetchall():
            variants[product_id].append(
                {"product_id": product_id, "gtin": gtin, "name": name, "attributes": json.loads(attributes)}
            )
        cursor.execute(
            "SELECT o.id, v.product_id, o.seller_id, o.condition, o.price_minor, o.currency, o.lead_time_days"
            f" FROM {Offer._meta.db_table} o JOIN {Variant._meta.db_table} v ON v.id = o.variant_id"
            " WHERE v.product_id = ANY(%s) AND o.status = %s AND o.stock > 0 ORDER BY o.id",
            [ids, Offer.Status.ACTIVE.value],
        )
        for row in cursor.fetchall():
            offers[row[1]].append(
                {
                    "id": row[0],
                    "variant__product_id": row[1],
                    "seller_id": row[2],
                    "condition": row[3],
                    "price_minor": row[4],
                    "currency": row[5],
                    "lead_time_days": row[6],
                }
            )
    return products, variants, offers


def _entries_insert(entries: list[_Entry]) -> None:
    """Insert these entries: one COPY on PostgreSQL (a rebuild's largest write), a bulk
    INSERT elsewhere."""
    if not entries:
        return
    if connection.vendor != "postgresql":
        SearchEntry.objects.bulk_create([e.model() for e in entries], batch_size=1000)
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3's cursor, under Django's wrapper
        with raw.copy(f"COPY search_searchentry ({', '.join(INSERTED)}) FROM STDIN") as copy:
            for e in entries:
                copy.write_row(
                    (
                        e.storefront_id,
                        e.product_id,
                        e.category_id,
                        e.brand_id,
                        e.product_type_id,
                        e.title_terms,
                        e.brand_terms,
                        e.category_terms,
                        e.body_terms,
                        e.title_key,
                        e.best_price_minor,
                        e.offer_count,
                        e.created_at,
                        now,
                        _array(e.value_ids),
                        _array(e.offer_sellers),
                        _array(e.offer_conditions),
                        _array(e.offer_prices),
                        e.deal_price_minor,
                        e.deal_prior_minor,
                        e.deal_until,
                        e.deal_rank,
                    )
                )


def _array(numbers: list[int]) -> str:
    """An integer array as PostgreSQL's text form reads it (``{1,2,3}``): a third of the cost
    of letting the driver adapt each list, for the four arrays of every entry a rebuild copies."""
    return "{" + ",".join(map(str, numbers)) + "}"


def _of_products(entries: QuerySet[SearchEntry], product_ids: list[int]) -> QuerySet[SearchEntry]:
    """These entries of these products: on PostgreSQL ``product_id = ANY(array)``, one
    parameter instead of an ``IN`` of thousands of placeholders (which cost more to build than
    the query to run)."""
    if connection.vendor != "postgresql":
        return entries.filter(product_id__in=product_ids)
    table = SearchEntry._meta.db_table
    return entries.extra(where=[f'"{table}"."product_id" = ANY(%s)'], params=[list(product_ids)])


def _entries_delete(entries: QuerySet[SearchEntry]) -> None:
    """Delete these entries: on PostgreSQL one statement, elsewhere one per 5,000; no rows
    loaded either way."""
    if connection.vendor == "postgresql":
        entries.order_by()._raw_delete(entries.db)
        return
    ids = list(entries.values_list("pk", flat=True))
    for chunk in _chunks(ids, 5000):
        SearchEntry.objects.filter(pk__in=chunk)._raw_delete(SearchEntry.objects.db)


def _attribute_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def search_index_products(
    *, product_ids: Iterable[int], storefront_ids: Iterable[int] | None = None, changed: bool = False
) -> int:
    """Recompute the entries of these products in every visible storefront (or those given);
    return how many entries they have now. Idempotent: run it twice, get the same index.
    ``changed``: the products themselves were edited (their listing pages must be redrawn)."""
    ids = sorted(set(product_ids))
    run = IndexRun.start(storefront_ids)
    for chunk in _chunks(ids, CHUNK):
        run.index(chunk, force_bump=changed)
    run.save_words(replace=False)
    return run.entries


@dataclass
class ReindexSummary:
    storefronts: int
    products: int
    entries: int
    words: int


def search_reindex(
    *,
    storefront_ids: Iterable[int] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReindexSummary:
    """Rebuild the index of these storefronts (every visible one when None) from scratch.

    Entries of storefronts no longer visible are dropped. Chunks of ``CHUNK`` products, one
    transaction each: the index stays usable while it runs — on PostgreSQL, a full rebuild of
    a large catalog (``BULK_PRODUCTS``) runs without the secondary indexes and builds them at
    the end, so listings and search are slower (sequential scans) until it ends.
    ``on_progress(done, total)``.
    """
    wanted = None if storefront_ids is None else sorted(set(storefront_ids))
    run = IndexRun.start(wanted)
    run.values_preload()
    run.rebuilding = True
    kept = [s.pk for s in run.storefronts]
    gone = SearchEntry.objects.exclude(storefront_id__in=kept)
    terms_gone = SearchTerm.objects.exclude(storefront_id__in=kept)
    if wanted is not None:  # of the storefronts asked for, those no longer visible
        gone, terms_gone = gone.filter(storefront_id__in=wanted), terms_gone.filter(storefront_id__in=wanted)
    _entries_delete(gone)
    terms_gone.delete()
    if wanted is not None and not kept:
        # Only storefronts no longer visible were asked for (a storefront closed): nothing to
        # read from the catalog once their entries and words are gone (docs/storefront-closure.md).
        with transaction.atomic():
            counts_rebuild(wanted)
        surrogates.bump(surrogates.key("listing", pk) for pk in wanted)
        return ReindexSummary(storefronts=0, products=0, entries=0, words=0)
    candidates = Product.objects.filter(status=Product.Status.PUBLISHED).order_by("pk")
    ids = list(candidates.values_list("pk", flat=True))
    _entries_delete(
        SearchEntry.objects.filter(storefront_id__in=kept).exclude(product__status=Product.Status.PUBLISHED)
    )
    bulk = wanted is None and len(ids) >= BULK_PRODUCTS and connection.vendor == "postgresql"
    dropped = _indexes_drop() if bulk else []
    chunks = list(_chunks(ids, BULK_CHUNK if bulk else CHUNK))
    parallel = bulk and WORKERS > 1 and not connection.in_atomic_block

    def indexes() -> None:
        _indexes_create(dropped)
        _analyze()

    def counts() -> None:
        with transaction.atomic():
            counts_rebuild(None if wanted is None else wanted)

    written: list[int] = []
    try:
        if parallel:
            _index_in_workers(run, chunks, on_progress, len(ids))
        else:
            for n, chunk in enumerate(chunks):
                run.index(chunk)
                if on_progress:
                    on_progress(run.products, len(ids))
                if n % ANALYZE_EVERY == 0 and not bulk:
                    _analyze()
    except BaseException:
        _indexes_create(dropped)
        raise
    if parallel:
        # Three independent writes, each on its own connection: the entries' indexes, the
        # counts (which read the entries, never the indexes being built) and the vocabulary.
        _in_threads(indexes, counts, lambda: written.append(run.save_words(replace=True)))
    else:
        indexes()
        counts()
        written.append(run.save_words(replace=True))
    words = written[0]
    # Every page of these storefronts may have changed (a rebuild commits chunk by chunk, and
    # each chunk bumped the storefronts it touched: this covers the entries dropped above).
    surrogates.bump(surrogates.key("listing", pk) for pk in {*kept, *(wanted or ())})
    return ReindexSummary(storefronts=len(kept), products=run.products, entries=run.entries, words=words)


def _in_threads(*jobs: Callable[[], None]) -> None:
    """Run these database jobs at once, each in a thread with its own connection; raise the
    first one's error once they have all ended."""
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # the thread's own connection

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _index_in_workers(
    run: IndexRun,
    chunks: list[list[int]],
    on_progress: Callable[[int, int], None] | None,
    total: int,
) -> None:
    """Index these chunks in ``WORKERS`` forked processes, each with its own connection and
    every ``WORKERS``-th chunk; add up their counts and vocabularies into ``run``.

    The products are disjoint, so their row locks never meet; the value dictionary is
    shared through the database (an upsert, in key order: two processes adding the same new
    values wait for each other, never deadlock). The vocabulary's frequencies are summed
    here and written once, by the caller."""
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    connections.close_all()  # a forked process must not share its parent's connection
    processes = [
        context.Process(target=_worker, args=(run, chunks[i::WORKERS], messages), daemon=True)
        for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    running = len(processes)
    try:
        while running:
            try:
                kind, *data = messages.get(timeout=1)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError("A search indexing process died.") from None
                continue
            if kind == "chunk":
                run.products += data[0]
                run.entries += data[1]
                if on_progress:
                    on_progress(run.products, total)
            elif kind == "done":
                for storefront_id, counts in data[0].items():
                    run.words[storefront_id].update(counts)
                run.touched |= data[1]
                running -= 1
            else:
                raise RuntimeError(f"A search indexing process failed:\n{data[0]}")
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()


def _worker(run: IndexRun, chunks: list[list[int]], messages: Any) -> None:
    """One process of ``_index_in_workers``: index its chunks, report each, then its words.

    The garbage collector runs once per chunk, on what the chunk left: a chunk allocates
    millions of objects that reference counting frees, and the collections their allocation
    set off (walking the run's dictionaries each time) took a quarter of the process's time.
    What the process inherits (Django, the run's dictionaries) is frozen: never walked."""
    try:
        gc.freeze()
        gc.disable()
        run.words = defaultdict(Counter)
        for chunk in chunks:
            products, entries = run.products, run.entries
            run.index(chunk)
            gc.collect(1)
            messages.put(("chunk", run.products - products, run.entries - entries))
        messages.put(("done", dict(run.words), run.touched))
    except BaseException:
        messages.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def _indexes_drop() -> list[str]:
    """Drop the entry table's secondary indexes (all but its key and its (storefront, product)
    constraint, which the rebuild's deletes use); return their definitions. A rebuild of a
    large catalog writes every row once: building each index once at the end is several times
    cheaper than keeping it up to date row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'search_searchentry'"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _name, definition in found]


def _indexes_create(definitions: list[str]) -> None:
    """Build again the indexes ``_indexes_drop`` dropped (with more memory to sort in)."""
    if not definitions:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")


def _analyze() -> None:
    # A rebuild grows the tables faster than autovacuum notices: with statistics that still
    # say "empty", PostgreSQL scans the tables to delete an entry (0.3 s instead of 5 ms a chunk).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchentry")


def _chunks(ids: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
