"""The seller API's bulk update: up to 10,000 offers in one call, by offer id or SKU (docs/api.md).

It reuses the file import's parts: each row's price and stock are checked by the import's
parser (``rows._parse``: same limits, same messages), rows named by SKU are resolved by its
checker (``checks._Checker``: unknown and duplicate SKUs, one row per offer), and the valid rows
are written by its set-based apply (``apply``: price history, offer history, outbox events).
What the import does not do, the status, goes through the offers' transition table, one offer at
a time, in the same transaction.

Semantics are the import's: by default every valid row is applied and each bad row is reported
(row, column, value, reason) and skipped; ``all_or_nothing`` applies the rows only if none is bad
(else :class:`OfferBulkRefused` and nothing changes). The whole call is one transaction: a crash
leaves none of its rows applied. ``row`` is the row's index in the request's list, from 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from galerie.catalog.models import Product
from galerie.catalog.safety import SAFETY_FIELDS, product_listing_check
from galerie.core import surrogates
from galerie.core.actors import Actor, actor_label, actor_user
from galerie.core.errors import DomainError, InvalidInput
from galerie.core.money import Money
from galerie.offers.errors import OfferBulkRefused
from galerie.offers.imports.apply import _apply_postgres, _apply_sqlite, _By
from galerie.offers.imports.checks import _OFFER_FIELDS, _book_price_reason, _Checker, _Valid, _values_in
from galerie.offers.imports.rows import _parse, _Problem, _Row
from galerie.offers.models import Offer, OfferChange
from galerie.offers.services import SELLERS_WHO_MAY_LIST, _set_status, offer_editor_check
from galerie.sellers.errors import SellerNotActive
from galerie.sellers.models import Seller

MAX_BULK_ROWS = 10_000
_COLUMNS = {"sku": 0, "price": 1, "stock": 2}
_NO_SKU = "You have no offer with this SKU: add its gtin to create one."


@dataclass(frozen=True)
class BulkRow:
    """One row of a bulk update: the offer (``offer_id`` or ``sku``) and what to set (None: keep)."""

    offer_id: int | None = None
    sku: str | None = None
    price_minor: int | None = None
    currency: str | None = None
    stock: int | None = None
    status: str | None = None


@dataclass
class BulkReport:
    """What a bulk update did: the rows applied that changed an offer, those that changed nothing,
    and every problem of the rows skipped (the import's report)."""

    rows: int
    updated: int = 0
    unchanged: int = 0
    problems: list[_Problem] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({p.row for p in self.problems})


def _price_text(amount: int) -> str:
    return str(Decimal(amount).scaleb(-2))  # the import's parser reads a price as 12.90


def _parsed(index: int, given: BulkRow) -> tuple[_Row, list[_Problem]]:
    """Check a row's own values with the import's parser (price, stock, SKU)."""
    cells = [
        given.sku or "",
        "" if given.price_minor is None else _price_text(given.price_minor),
        "" if given.stock is None else str(given.stock),
    ]
    row, problems = _parse(index, cells, _COLUMNS, key_required=False)
    problems = [
        p._replace(value=str(given.price_minor)) if p.column == "price" else p for p in problems
    ]  # the value as the client sent it: minor units
    if given.offer_id is None and not given.sku:
        problems.append(_Problem(index, "offer_id", "", "Give the offer_id or the sku of the offer."))
    elif given.offer_id is not None and given.sku:
        problems.append(_Problem(index, "sku", given.sku[:200], "Give the offer_id or the sku, not both."))
    if given.price_minor is not None and not given.currency:
        problems.append(_Problem(index, "price", str(given.price_minor), "Give the price's currency."))
    if given.status is not None and given.status not in Offer.Status.values:
        allowed = ", ".join(Offer.Status.values)
        problems.append(
            _Problem(
                index, "status", given.status[:200], f"“{given.status}” is not an offer status ({allowed})."
            )
        )
    return row, problems


def offers_bulk_update(
    *, seller: Seller, by: Actor, rows: Sequence[BulkRow], all_or_nothing: bool = False
) -> BulkReport:
    """Set the price, stock and status of up to 10,000 of the seller's offers in one transaction.

    Each bad row is reported and skipped (``all_or_nothing``: raise OfferBulkRefused and change
    nothing instead). Locks the offers in primary-key order, like every writer of offers. Raises
    OfferEditDenied when ``by`` may not change the seller's offers, SellerNotActive, and
    InvalidInput for an empty or too long list.
    """
    offer_editor_check(seller_id=seller.pk, by=by)
    if seller.status not in SELLERS_WHO_MAY_LIST:
        raise SellerNotActive(f"{seller} cannot update offers while its account is {seller.status}.")
    if not rows:
        raise InvalidInput({"rows": ["Give at least one row."]})
    if len(rows) > MAX_BULK_ROWS:
        raise InvalidInput({"rows": [f"At most {MAX_BULK_ROWS:,} rows per call ({len(rows):,} given)."]})
    report = BulkReport(rows=len(rows))
    with transaction.atomic():
        valid = _resolve(seller, rows, report)
        current = _locked(seller, {v.offer_id for v in valid if v.offer_id is not None})
        valid = _check_against(valid, rows, current, report)
        report.problems.sort(key=lambda p: (p.row, p.column))
        if all_or_nothing and report.problems:
            raise OfferBulkRefused({f"rows.{p.row}.{p.column}": [p.reason] for p in report.problems})
        _apply(seller, by, valid, rows, current, report)
    return report


def _resolve(seller: Seller, rows: Sequence[BulkRow], report: BulkReport) -> list[_Valid]:
    """Resolve each row to one of the seller's offers, in the rows' order (duplicates: the first wins)."""
    checker = _Checker(seller_id=seller.pk)  # no storefront scopes: this update creates no offer
    parsed: list[tuple[_Row, BulkRow]] = []
    for index, given in enumerate(rows):
        row, problems = _parsed(index, given)
        if problems:
            report.problems.extend(problems)
        else:
            parsed.append((row, given))
    by_sku, variants, by_variant = checker.lookups([row for row, given in parsed if given.offer_id is None])
    offers = Offer.objects.filter(seller_id=seller.pk)
    ids = {given.offer_id for _row, given in parsed if given.offer_id is not None}
    by_id = {o["id"]: o for o in _values_in(offers, "id", ids, _OFFER_FIELDS)}
    for row, given in parsed:
        if given.offer_id is None:
            problem = checker._resolve(row, by_sku, variants, by_variant)
            if problem is not None and problem.reason == _NO_SKU:
                problem = problem._replace(reason="You have no offer with this SKU.")
        else:
            problem = _resolve_id(checker, row, given.offer_id, by_id)
        if problem is not None:
            report.problems.append(problem)
    return checker.valid


def _resolve_id(checker: _Checker, row: _Row, offer_id: int, by_id: dict) -> _Problem | None:
    offer = by_id.get(offer_id)
    if offer is None:  # another seller's offer too: it is not there for this seller
        return _Problem(row.row, "offer_id", str(offer_id), "You have no offer with this id.")
    key = ("offer", offer_id)
    if key in checker.seen:
        return _Problem(
            row.row, "offer_id", str(offer_id), f"Duplicate: row {checker.seen[key]} already sets this offer."
        )
    if row.price is not None:  # the fixed book price (docs/loi-lang.md)
        reason = _book_price_reason(
            offer, "variant__product__", offer["condition"], row.price, offer["currency"]
        )
        if reason is not None:
            return _Problem(row.row, "price", str(Money(row.price, offer["currency"]).to_decimal()), reason)
    checker.seen[key] = row.row
    checker._accept(row, offer, offer["variant_id"], "")
    return None


def _locked(seller: Seller, ids: set[int]) -> dict[int, dict]:
    """Lock the offers in primary-key order and return their current values."""
    queryset = Offer.objects.filter(seller_id=seller.pk).select_for_update().order_by("pk")
    fields = ("id", "status", "currency", "price_minor", "stock", "variant_id")
    return {o["id"]: o for o in _values_in(queryset, "id", ids, fields)}


def _check_against(
    valid: list[_Valid], rows: Sequence[BulkRow], current: dict[int, dict], report: BulkReport
) -> list[_Valid]:
    """Refuse the rows the locked offers cannot take: another currency, a move the status table
    forbids (a closed offer stays closed), putting back on sale an offer of a product that may
    not be listed (GPSR safety data missing, recalled: catalog.safety)."""
    kept = []
    refusals = _listing_refusals(
        {
            current[v.offer_id]["variant_id"]
            for v in valid
            if v.offer_id in current
            and rows[v.row].status == Offer.Status.ACTIVE
            and current[v.offer_id]["status"] != Offer.Status.ACTIVE
        }
    )
    for v in valid:
        given, offer = rows[v.row], current.get(v.offer_id or 0)
        if offer is None:
            report.problems.append(_Problem(v.row, "offer_id", str(v.offer_id), "This offer was deleted."))
            continue
        if (
            given.currency is not None
            and given.price_minor is not None
            and given.currency != offer["currency"]
        ):
            report.problems.append(
                _Problem(
                    v.row, "price", given.currency,
                    f"This offer is priced in {offer['currency']}, not {given.currency}.",
                )
            )  # fmt: skip
            continue
        status = given.status
        allowed = Offer.TRANSITIONS.get(Offer.Status(offer["status"]), frozenset())
        if status is not None and status != offer["status"] and status not in allowed:
            report.problems.append(
                _Problem(
                    v.row, "status", status, f"An offer that is {offer['status']} cannot become {status}."
                )
            )
            continue
        if status == Offer.Status.ACTIVE and offer["status"] != status and offer["variant_id"] in refusals:
            report.problems.append(_Problem(v.row, "status", status, refusals[offer["variant_id"]]))
            continue
        kept.append(v)
    return kept


def _listing_refusals(variant_ids: set[int]) -> dict[int, str]:
    """Return {variant id: why it may not be listed} for those variants whose product may not
    be (one query)."""
    if not variant_ids:
        return {}
    fields = ("variants", "pk", "recalled_at", *SAFETY_FIELDS)
    refusals = {}
    for values in Product.objects.filter(variants__in=sorted(variant_ids)).values(*fields):
        try:
            product_listing_check(values, product_id=values["pk"])
        except DomainError as refusal:
            refusals[values["variants"]] = refusal.message
    return refusals


def _apply(
    seller: Seller,
    by: Actor,
    valid: list[_Valid],
    rows: Sequence[BulkRow],
    current: dict[int, dict],
    report: BulkReport,
) -> None:
    """Write the valid rows: price and stock set-based (the import's apply), then the statuses."""
    now = timezone.now()
    user = actor_user(by)
    who = _By(user.pk if user else None, actor_label(by)[:150], OfferChange.Reason.API)
    apply = _apply_postgres if connection.vendor == "postgresql" else _apply_sqlite
    moves: dict[int, str] = {}
    changed = 0
    for v in valid:
        offer, status = current[v.offer_id or 0], rows[v.row].status
        values = (v.price is not None and v.price != offer["price_minor"]) or (
            v.stock is not None and v.stock != offer["stock"]
        )
        if status is not None and status != offer["status"]:
            moves[offer["id"]] = status
        changed += bool(values or offer["id"] in moves)
    apply(seller.pk, valid, now, who)
    changes: list[OfferChange] = []
    for moving in Offer.objects.filter(seller_id=seller.pk, pk__in=sorted(moves)).order_by("pk"):
        changes += _set_status(moving, moves[moving.pk], by=by, reason=who.reason, at=now)
    OfferChange.objects.bulk_create(changes)
    surrogates.bump_on_commit(surrogates.key("variant", v.variant_id) for v in valid)
    report.updated, report.unchanged = changed, len(valid) - changed
