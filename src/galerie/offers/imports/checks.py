"""Checking parsed rows against the seller's offers and the catalog, chunk by chunk.

:class:`_Checker` resolves each row to the offer it updates or the variant it creates an offer
of, refuses duplicates and unknown SKUs or GTINs, and keeps the valid rows (:class:`_Valid`) and
what they would change. The key-set lookups here are shared with ``apply``.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_noop

from galerie.catalog.books import new_book_price_problem
from galerie.catalog.models import Product, Variant
from galerie.catalog.safety import SAFETY_FIELDS, product_listing_check
from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.offers.imports.rows import _Problem, _Row
from galerie.offers.models import Condition, Offer
from galerie.offers.selectors.seller import StorefrontScope, storefront_for_category

# A msgid: the report translates it when it shows it (the page's own words for the same refusal).
OUTSIDE_SCOPE_REASON = gettext_noop("This product is not in the catalog of any storefront you sell on.")
CHECK_CHUNK = 5_000  # rows checked (and looked up) at a time; progress is committed after each

_OFFER_FIELDS = (
    "id",
    "seller_sku",
    "variant_id",
    "variant__gtin",
    "condition",
    "price_minor",
    "currency",
    "stock",
    "lead_time_days",
    # the fixed book price (docs/loi-lang.md)
    "variant__product__product_type__is_book",
    "variant__product__publisher_price_minor",
    "variant__product__publisher_price_currency",
)


def _book_price_reason(book: dict, prefix: str, condition: str, price: int, currency: str) -> str | None:
    """Why a row's price breaks the fixed book price (``book``: a looked-up row whose product
    fields start with ``prefix``), or None; the offers' own rule (offers.book_price)."""
    if condition != Condition.NEW or not book[f"{prefix}product_type__is_book"]:
        return None
    minor, publisher_currency = (
        book[f"{prefix}publisher_price_minor"],
        book[f"{prefix}publisher_price_currency"],
    )
    publisher = Money(minor, publisher_currency) if minor is not None and publisher_currency else None
    return new_book_price_problem(price=Money(price, currency), publisher=publisher)


# A variant, its product's place and what listing it needs (GPSR safety data, not recalled; a
# new book's publisher's price).
_VARIANT_FIELDS = (
    "id",
    "gtin",
    "product_id",
    "product__status",
    "product__category__path",
    "product__recalled_at",
    *(f"product__{name}" for name in SAFETY_FIELDS),
    # the fixed book price (docs/loi-lang.md)
    "product__product_type__is_book",
    "product__publisher_price_minor",
    "product__publisher_price_currency",
)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _lookup_size() -> int:
    """Keys per ``IN (…)``: what the database takes (SQLite: its compiled limit, often 32,766)."""
    limit = connection.features.max_query_params
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return min(CHECK_CHUNK, (limit or CHECK_CHUNK) - 10)


def _values_in(queryset: QuerySet, column: str, keys: set[Any], fields: tuple[str, ...]) -> list[dict]:
    """Return ``fields`` of the rows whose ``column`` is one of ``keys``."""
    if not keys:
        return []
    if connection.vendor == "postgresql":
        # One array parameter rather than thousands of placeholders; a semi-join hashes it.
        table, kind = queryset.model._meta.db_table, "bigint" if isinstance(next(iter(keys)), int) else "text"
        sql = f'"{table}"."{column}" IN (SELECT unnest(%s::{kind}[]))'
        return list(queryset.filter(RawSQL(sql, [sorted(keys)], output_field=BooleanField())).values(*fields))
    found: list[dict] = []
    for batch in _batches(sorted(keys), _lookup_size()):
        found.extend(queryset.filter(**{f"{column}__in": batch}).values(*fields))
    return found


class _Valid(NamedTuple):
    """A row that passed every check: what to write, and where."""

    row: int
    offer_id: int | None  # None: create an offer of variant_id in condition
    variant_id: int
    condition: str
    sku: str
    price: int | None  # None: keep the offer's
    stock: int | None
    lead: int | None
    currency: str  # a new offer's: its storefront's; an update keeps the offer's


@dataclass
class _Checker:
    """Checks rows chunk by chunk against the seller's offers and the catalog."""

    seller_id: int
    # Where the seller may list (seller_storefront_scopes): the product page's rule, set-based.
    scopes: list[StorefrontScope] = field(default_factory=list)
    seen: dict[tuple, int] = field(default_factory=dict)  # key -> first row that set it
    valid: list[_Valid] = field(default_factory=list)
    would_create: int = 0
    would_update: int = 0
    would_keep: int = 0

    def check(self, rows: list[_Row]) -> list[_Problem]:
        problems: list[_Problem] = []
        by_sku, variants, by_variant = self.lookups(rows)
        for row in rows:
            problem = self._resolve(row, by_sku, variants, by_variant)
            if problem:
                problems.append(problem)
        return problems

    def lookups(self, rows: list[_Row]) -> tuple[dict, dict, dict]:
        """Load, in three queries, the seller's offers with the rows' SKUs, the variants with
        their GTINs and the seller's offers of those variants (what ``_resolve`` takes)."""
        offers = Offer.objects.filter(seller_id=self.seller_id)
        by_sku: dict[str, list[dict]] = defaultdict(list)
        for offer in _values_in(offers, "seller_sku", {r.sku for r in rows if r.sku}, _OFFER_FIELDS):
            by_sku[offer["seller_sku"]].append(offer)
        variants = {
            v["gtin"]: v
            for v in _values_in(
                Variant.objects.all(),
                "gtin",
                {r.gtin for r in rows if r.gtin},
                _VARIANT_FIELDS,
            )
        }
        by_variant = {
            (o["variant_id"], o["condition"]): o
            for o in _values_in(offers, "variant_id", {v["id"] for v in variants.values()}, _OFFER_FIELDS)
        }
        return by_sku, variants, by_variant

    def _resolve(self, row: _Row, by_sku: dict, variants: dict, by_variant: dict) -> _Problem | None:
        def problem(column: str, value: str, reason: str) -> _Problem:
            return _Problem(row.row, column, value[:200], reason)

        if row.sku and ("sku", row.sku) in self.seen:
            return problem(
                "sku", row.sku, f"Duplicate: row {self.seen['sku', row.sku]} already has this SKU."
            )
        offer = None
        candidates = by_sku.get(row.sku, []) if row.sku else []
        if len(candidates) > 1:
            candidates = [c for c in candidates if c["condition"] == row.condition]
        if len(candidates) > 1:
            return problem(
                "sku", row.sku, f"{len(candidates)} of your offers have this SKU: give each its own."
            )
        if candidates:
            offer = candidates[0]
            named = variants.get(row.gtin) if row.gtin else None
            if row.gtin and (named is None or named["id"] != offer["variant_id"]):
                return problem(
                    "gtin",
                    row.gtin,
                    f"Your offer with SKU “{row.sku}” sells GTIN {offer['variant__gtin']}, not this.",
                )
            if row.condition_given and row.condition != offer["condition"]:
                return problem(
                    "condition",
                    row.condition,
                    f"Your offer with SKU “{row.sku}” is in condition “{offer['condition']}”;"
                    " an import cannot change an offer's condition.",
                )
        elif row.gtin:
            if row.gtin not in variants:
                return problem(
                    "gtin", row.gtin, "This GTIN is not in the catalog: propose the product first."
                )
            variant = variants[row.gtin]
            offer = by_variant.get((variant["id"], row.condition))
            if offer and row.sku and offer["seller_sku"] and offer["seller_sku"] != row.sku:
                return problem(
                    "sku",
                    row.sku,
                    f"Your offer of this GTIN in condition “{row.condition}”"
                    f" has SKU “{offer['seller_sku']}”.",
                )
        elif row.sku:
            return problem("sku", row.sku, "You have no offer with this SKU: add its gtin to create one.")

        if offer is not None:
            key: tuple = ("offer", offer["id"])
        else:
            key = ("new", variant["id"], row.condition)
        if key in self.seen:
            column, value = ("sku", row.sku) if row.sku else ("gtin", row.gtin)
            return problem(column, value, f"Duplicate: row {self.seen[key]} already sets this offer.")
        currency = ""
        if offer is None:
            if variant["product__status"] != Product.Status.PUBLISHED:
                return problem(
                    "gtin", row.gtin, "This product is not on sale in the catalog (withdrawn or draft)."
                )
            values = {name.removeprefix("product__"): value for name, value in variant.items()}
            try:
                product_listing_check(values, product_id=variant["product_id"])
            except DomainError as refusal:  # the one rule offer_create applies (catalog.safety)
                return problem("gtin", row.gtin, refusal.message)
            storefront = storefront_for_category(self.scopes, variant["product__category__path"])
            if storefront is None:  # what the page that puts a product on sale answers
                return problem("gtin", row.gtin, OUTSIDE_SCOPE_REASON)
            currency = storefront.currency
            if row.price is None:
                return problem("price", "", "A new offer needs a price.")
            if row.stock is None:
                row.stock = row.stock_if_new
            if row.stock is None:
                return problem("stock", "", "A new offer needs a stock.")
        if row.price is not None:
            book, prefix = (variant, "product__") if offer is None else (offer, "variant__product__")
            condition = row.condition if offer is None else offer["condition"]
            row_currency = currency if offer is None else offer["currency"]
            reason = _book_price_reason(book, prefix, condition, row.price, row_currency)
            if reason is not None:
                return problem("price", str(Money(row.price, row_currency).to_decimal()), reason)
        self.seen[key] = row.row
        if row.sku:
            self.seen["sku", row.sku] = row.row
        self._accept(row, offer, variant["id"] if offer is None else offer["variant_id"], currency)
        return None

    def _accept(self, row: _Row, offer: dict | None, variant_id: int, currency: str) -> None:
        self.valid.append(
            _Valid(
                row.row,
                offer["id"] if offer else None,
                variant_id,
                offer["condition"] if offer else row.condition,
                row.sku,
                row.price,
                row.stock,
                row.lead,
                currency,
            )
        )
        if offer is None:
            self.would_create += 1
        elif _changes(offer, row.price, row.stock, row.lead, row.sku):
            self.would_update += 1
        else:
            self.would_keep += 1


def _changes(offer: dict, price: int | None, stock: int | None, lead: int | None, sku: str) -> bool:
    return (
        (price is not None and price != offer["price_minor"])
        or (stock is not None and stock != offer["stock"])
        or (lead is not None and lead != offer["lead_time_days"])
        or bool(sku and not offer["seller_sku"])
    )
