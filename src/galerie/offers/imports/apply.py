"""Applying an import's valid rows to the seller's offers, inside the caller's transaction.

On PostgreSQL the rows are COPied into a temporary table and applied with set-based SQL
(:func:`_apply_postgres`); elsewhere (SQLite) with batched statements (:func:`_apply_sqlite`).
Both write the price history, the offers' history rows (naming who imports) and the outbox
events of the single-offer services, and every
statement that touches offers filters on the import's seller.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from galerie.core.requestid import request_id_current
from galerie.offers.imports.checks import _OFFER_FIELDS, _batches, _changes, _lookup_size, _Valid, _values_in
from galerie.offers.imports.files import _refuse
from galerie.offers.models import Offer

DEFAULT_LEAD_TIME = Offer._meta.get_field("lead_time_days").default


@dataclass
class _Applied:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


_CREATE_ROWS = """
CREATE TEMP TABLE offer_import_rows (
    row_no integer, offer_id bigint, variant_id bigint, condition varchar(12), sku varchar(64),
    price bigint, stock integer, lead smallint, currency varchar(3)
)"""
# An offer created since the check (another tab, the API) is updated rather than duplicated.
_RESOLVE_NEW = """
UPDATE offer_import_rows t SET offer_id = o.id FROM offers_offer o
WHERE t.offer_id IS NULL AND o.seller_id = %(seller)s AND o.variant_id = t.variant_id
  AND o.condition = t.condition"""
# Lock the offers in primary-key order, as every other writer does (no deadlock).
_LOCK = """
SELECT count(*) FROM (
    SELECT o.id FROM offers_offer o JOIN offer_import_rows t ON t.offer_id = o.id
    WHERE o.seller_id = %(seller)s ORDER BY o.id FOR UPDATE OF o
) locked"""
_CHANGES = """
CREATE TEMP TABLE offer_import_changes AS
SELECT offer_id, variant_id, currency, old_price, price, old_stock, stock, old_lead, lead, old_sku, sku,
       (old_price, old_stock, old_lead, old_sku) IS DISTINCT FROM (price, stock, lead, sku) AS changed
FROM (
    SELECT o.id AS offer_id, o.variant_id, o.currency,
           o.price_minor AS old_price, COALESCE(t.price, o.price_minor) AS price,
           o.stock AS old_stock, COALESCE(t.stock, o.stock) AS stock,
           o.lead_time_days AS old_lead, COALESCE(t.lead, o.lead_time_days) AS lead,
           o.seller_sku AS old_sku, CASE WHEN o.seller_sku = '' THEN t.sku ELSE o.seller_sku END AS sku
    FROM offer_import_rows t JOIN offers_offer o ON o.id = t.offer_id
    WHERE o.seller_id = %(seller)s
) joined"""
_UPDATE = """
UPDATE offers_offer o
SET price_minor = c.price, stock = c.stock, lead_time_days = c.lead, seller_sku = c.sku, updated_at = %(now)s
FROM offer_import_changes c
WHERE o.id = c.offer_id AND o.seller_id = %(seller)s AND c.changed"""
_HISTORY = """
INSERT INTO offers_pricehistory (offer_id, price_minor, currency, valid_from)
SELECT c.offer_id, c.price, c.currency, %(now)s
FROM offer_import_changes c JOIN offers_offer o ON o.id = c.offer_id AND o.seller_id = %(seller)s
WHERE c.price <> c.old_price ORDER BY c.offer_id"""
# One history row per changed field of each offer, with the import's actor.
_CHANGE_ROWS = """
INSERT INTO offers_offerchange (offer_id, field, from_value, to_value, actor_id, actor_label, reason, at)
SELECT c.offer_id, v.field, v.old, v.new, %(actor)s, %(label)s, %(reason)s, %(now)s
FROM offer_import_changes c JOIN offers_offer o ON o.id = c.offer_id AND o.seller_id = %(seller)s
CROSS JOIN LATERAL (VALUES
    ('price', c.old_price::text, c.price::text), ('stock', c.old_stock::text, c.stock::text),
    ('lead_time_days', c.old_lead::text, c.lead::text), ('seller_sku', c.old_sku, COALESCE(c.sku, ''))
) AS v(field, old, new)
WHERE c.changed AND v.old IS DISTINCT FROM v.new ORDER BY c.offer_id"""
# One outbox event per changed offer, with the payloads of the single-offer services.
_EVENTS = """
INSERT INTO core_outboxevent
    (uuid, topic, payload, created_at, available_at, attempts, last_error, request_id)
SELECT gen_random_uuid(), %(topic)s, {payload}, %(now)s, %(now)s, 0, '', %(request_id)s
FROM offer_import_changes c JOIN offers_offer o ON o.id = c.offer_id AND o.seller_id = %(seller)s
WHERE {where} ORDER BY c.offer_id"""
_PRICE_EVENT = """jsonb_build_object('offer_id', c.offer_id, 'variant_id', c.variant_id,
    'previous_minor', c.old_price, 'price_minor', c.price, 'currency', c.currency)"""
_STOCK_EVENT = "jsonb_build_object('offer_id', c.offer_id, 'variant_id', c.variant_id, 'stock', c.stock)"
# New offers, their first price and history row and their offer.created events, in one statement.
_CREATE = """
WITH created AS (
    INSERT INTO offers_offer (uuid, seller_id, variant_id, condition, seller_sku, price_minor, currency,
                              stock, lead_time_days, status, created_at, updated_at)
    SELECT gen_random_uuid(), %(seller)s, t.variant_id, t.condition, t.sku, t.price, t.currency,
           t.stock, COALESCE(t.lead, %(lead)s), %(status)s, %(now)s, %(now)s
    FROM offer_import_rows t WHERE t.offer_id IS NULL ORDER BY t.row_no
    RETURNING id, variant_id, seller_id, price_minor, currency
), history AS (
    INSERT INTO offers_pricehistory (offer_id, price_minor, currency, valid_from)
    SELECT id, price_minor, currency, %(now)s FROM created WHERE seller_id = %(seller)s
), changes AS (
    INSERT INTO offers_offerchange (offer_id, field, from_value, to_value, actor_id, actor_label, reason, at)
    SELECT id, 'created', '', %(status)s, %(actor)s, %(label)s, %(reason)s, %(now)s
    FROM created WHERE seller_id = %(seller)s
)
INSERT INTO core_outboxevent
    (uuid, topic, payload, created_at, available_at, attempts, last_error, request_id)
SELECT gen_random_uuid(), 'offer.created',
       jsonb_build_object('offer_id', id, 'variant_id', variant_id, 'seller_id', seller_id),
       %(now)s, %(now)s, 0, '', %(request_id)s
FROM created WHERE seller_id = %(seller)s ORDER BY id"""


@dataclass(frozen=True)
class _By:
    """Who applies the import, as the offers' history rows name them."""

    actor_id: int | None
    label: str
    reason: str


def _apply_postgres(seller_id: int, rows: list[_Valid], now: datetime, by: _By) -> _Applied:
    """COPY the rows into a temporary table, then change the seller's offers set by set."""
    params: dict[str, int | str | datetime | None] = {
        "seller": seller_id, "now": now, "actor": by.actor_id, "label": by.label, "reason": by.reason,
        "request_id": request_id_current(),
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS offer_import_rows, offer_import_changes")
        cursor.execute(_CREATE_ROWS)
        columns = "row_no, offer_id, variant_id, condition, sku, price, stock, lead, currency"
        with cursor.cursor.copy(f"COPY offer_import_rows ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE offer_import_rows")
        cursor.execute(_RESOLVE_NEW, params)
        cursor.execute(_LOCK, params)
        locked = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM offer_import_rows WHERE offer_id IS NOT NULL")
        if locked != cursor.fetchone()[0]:
            raise _refuse("Some offers of the file were deleted since the check: run the import again.")
        cursor.execute(_CHANGES, params)
        cursor.execute(_UPDATE, params)
        updated = cursor.rowcount
        cursor.execute(_HISTORY, params)
        cursor.execute(_CHANGE_ROWS, params)
        for topic, payload, where in (
            ("offer.price_changed", _PRICE_EVENT, "c.price <> c.old_price"),
            ("offer.stock_changed", _STOCK_EVENT, "c.stock <> c.old_stock"),
        ):
            cursor.execute(_EVENTS.format(payload=payload, where=where), {**params, "topic": topic})
        create = {
            **params,
            "lead": DEFAULT_LEAD_TIME,
            "status": Offer.Status.ACTIVE,
        }
        cursor.execute(_CREATE, create)
        created = cursor.rowcount
        cursor.execute("SELECT count(*) FROM offer_import_changes WHERE NOT changed")
        unchanged = cursor.fetchone()[0]
        cursor.execute("DROP TABLE offer_import_rows, offer_import_changes")
    return _Applied(created=created, updated=updated, unchanged=unchanged)


_SQLITE_UPDATE = """
UPDATE offers_offer SET price_minor = %s, stock = %s, lead_time_days = %s, seller_sku = %s, updated_at = %s
WHERE id = %s AND seller_id = %s"""
_SQLITE_CREATE = """
INSERT INTO offers_offer (uuid, seller_id, variant_id, condition, seller_sku, price_minor, currency, stock,
                          lead_time_days, status, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
_SQLITE_HISTORY = """
INSERT INTO offers_pricehistory (offer_id, price_minor, currency, valid_from) VALUES (%s, %s, %s, %s)"""
_SQLITE_CHANGE = """
INSERT INTO offers_offerchange (offer_id, field, from_value, to_value, actor_id, actor_label, reason, at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"""
_SQLITE_EVENT = """
INSERT INTO core_outboxevent
    (uuid, topic, payload, created_at, available_at, attempts, last_error, request_id)
VALUES (%s, %s, %s, %s, %s, 0, '', %s)"""


def _apply_sqlite(seller_id: int, rows: list[_Valid], now: datetime, by: _By) -> _Applied:
    """Apply with batched statements: read the current values, write only what changed.

    SQLite's IMMEDIATE transaction holds the database's write lock from the start: no other
    writer can change these offers or add one until the commit.
    """
    counts, when = _Applied(), connection.ops.adapt_datetimefield_value(now)
    offers = Offer.objects.filter(seller_id=seller_id)
    updates = [r for r in rows if r.offer_id is not None]
    creates = [r for r in rows if r.offer_id is None]
    # An offer created since the check is updated rather than duplicated.
    fields = ("id", "variant_id", "condition")
    existing = {
        (o["variant_id"], o["condition"]): o["id"]
        for o in _values_in(offers, "variant_id", {r.variant_id for r in creates}, fields)
    }
    updates += [
        r._replace(offer_id=existing[r.variant_id, r.condition])
        for r in creates
        if (r.variant_id, r.condition) in existing
    ]
    creates = [r for r in creates if (r.variant_id, r.condition) not in existing]
    history: list[tuple] = []
    events: list[tuple] = []
    changes: list[tuple] = []
    request_id = request_id_current()

    def change(offer_id: int, field: str, before: object, after: object) -> None:
        changes.append((offer_id, field, str(before), str(after), by.actor_id, by.label, by.reason, when))

    def event(topic: str, **payload: Any) -> None:
        events.append((uuid.uuid4().hex, topic, json.dumps(payload), when, when, request_id))

    with connection.cursor() as cursor:
        for batch in _batches(updates, _lookup_size()):
            ids = {r.offer_id for r in batch}
            current = {o["id"]: o for o in offers.filter(pk__in=ids).values(*_OFFER_FIELDS)}
            if len(current) != len(ids):
                raise _refuse("Some offers of the file were deleted since the check: run the import again.")
            changed = []
            for r in batch:
                offer = current[r.offer_id]
                if not _changes(offer, r.price, r.stock, r.lead, r.sku):
                    counts.unchanged += 1
                    continue
                price = offer["price_minor"] if r.price is None else r.price
                stock = offer["stock"] if r.stock is None else r.stock
                lead = offer["lead_time_days"] if r.lead is None else r.lead
                changed.append(
                    (price, stock, lead, offer["seller_sku"] or r.sku, when, r.offer_id, seller_id)
                )
                names = {"offer_id": r.offer_id, "variant_id": offer["variant_id"]}
                sku = offer["seller_sku"] or r.sku or ""
                for field, before, after in (
                    ("price", offer["price_minor"], price),
                    ("stock", offer["stock"], stock),
                    ("lead_time_days", offer["lead_time_days"], lead),
                    ("seller_sku", offer["seller_sku"], sku),
                ):
                    if before != after:
                        change(r.offer_id, field, before, after)
                if price != offer["price_minor"]:
                    history.append((r.offer_id, price, offer["currency"], when))
                    previous, currency = offer["price_minor"], offer["currency"]
                    event(
                        "offer.price_changed",
                        **names,
                        previous_minor=previous,
                        price_minor=price,
                        currency=currency,
                    )
                if stock != offer["stock"]:
                    event("offer.stock_changed", **names, stock=stock)
            cursor.executemany(_SQLITE_UPDATE, changed)
            counts.updated += len(changed)
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM offers_offer")
        last_id = cursor.fetchone()[0]
        status = Offer.Status.ACTIVE.value
        cursor.executemany(
            _SQLITE_CREATE,
            [
                (uuid.uuid4().hex, seller_id, r.variant_id, r.condition, r.sku, r.price, r.currency,
                 r.stock, DEFAULT_LEAD_TIME if r.lead is None else r.lead, status, when, when)
                for r in creates
            ],
        )  # fmt: skip
        # The write lock is ours: the offers after the highest id before are the ones just made.
        cursor.execute(
            "SELECT id, variant_id, price_minor, currency FROM offers_offer WHERE seller_id = %s AND id > %s"
            " ORDER BY id",
            [seller_id, last_id],
        )
        for offer_id, variant_id, price, currency in cursor.fetchall():
            history.append((offer_id, price, currency, when))
            change(offer_id, "created", "", status)
            event("offer.created", offer_id=offer_id, variant_id=variant_id, seller_id=seller_id)
            counts.created += 1
        cursor.executemany(_SQLITE_HISTORY, history)
        cursor.executemany(_SQLITE_CHANGE, changes)
        cursor.executemany(_SQLITE_EVENT, events)
    return counts
