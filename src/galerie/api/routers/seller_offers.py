"""The seller API's offers: list, one, create on a catalog variant, change, and the bulk update.

Reads need ``Perm.VIEW_OFFERS``, writes ``Perm.EDIT_OFFERS``; every offer and variant is looked
up within the key's seller (another seller's is a 404). The services are the seller area's
(``offers.services``) and, for the bulk update, the file import's (``offers.imports.bulk``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator, model_validator

from galerie.api.auth import seller_key
from galerie.api.pagination import Page, paginate
from galerie.api.routers.seller_caller import seller_caller
from galerie.api.schemas import Money, UtcDatetime, money, replies
from galerie.core.errors import InvalidInput
from galerie.core.money import Money as DomainMoney
from galerie.offers.imports.bulk import MAX_BULK_ROWS, BulkRow, offers_bulk_update
from galerie.offers.imports.rows import MAX_PRICE_MINOR, MAX_STOCK
from galerie.offers.models import Condition, Offer, OfferChange
from galerie.offers.selectors.seller import (
    InvalidGtin,
    offer_get_for_seller,
    offers_link_storefronts,
    offers_query_for_seller,
    seller_storefront_scopes,
    variant_get_for_listing,
)
from galerie.offers.services import offer_create, offer_update
from galerie.sellers.access import Perm

router = Router(auth=seller_key, tags=["seller: offers"])

OfferStatus = Literal["active", "paused", "closed"]
ConditionCode = Literal["new", "like_new", "refurbished", "used"]
assert set(OfferStatus.__args__) == set(Offer.Status.values)  # type: ignore[attr-defined]
assert set(ConditionCode.__args__) == set(Condition.values)  # type: ignore[attr-defined]


class OfferOut(Schema):
    id: int
    variant_id: int
    gtin: str
    product_title: str
    variant_name: str
    condition: str
    seller_sku: str
    price: Money
    stock: int
    lead_time_days: int
    status: str
    storefront: str | None = Field(description="The code of the storefront the offer sells on (None: none).")
    created_at: datetime
    updated_at: datetime


def offer_out(offer: Offer) -> dict[str, Any]:
    storefront = getattr(offer, "storefront", None)
    return {
        "id": offer.pk,
        "variant_id": offer.variant_id,
        "gtin": offer.variant.gtin,
        "product_title": offer.variant.product.title,
        "variant_name": offer.variant.name,
        "condition": offer.condition,
        "seller_sku": offer.seller_sku,
        "price": money(offer.price_minor, offer.currency),
        "stock": offer.stock,
        "lead_time_days": offer.lead_time_days,
        "status": offer.status,
        "storefront": storefront.code if storefront is not None else None,
        "created_at": offer.created_at,
        "updated_at": offer.updated_at,
    }


class OfferFilters(Schema):
    status: OfferStatus | None = None
    sku: str | None = Field(None, max_length=64)
    gtin: str | None = Field(None, max_length=20, description="Any GTIN form: EAN-13, UPC-A, ISBN-13…")
    updated_since: UtcDatetime | None = None


@router.get("/", response=replies(Page[OfferOut]), summary="The seller's offers, newest first")
def offers(
    request: HttpRequest, filters: Query[OfferFilters], limit: int = 50, after: str | None = None
) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_OFFERS)
    try:
        rows = offers_query_for_seller(
            who.seller,
            status=filters.status or "",
            sku=filters.sku or "",
            gtin=filters.gtin or "",
            updated_since=filters.updated_since,
        )
    except InvalidGtin as error:
        raise InvalidInput({"gtin": [str(error)]}) from None
    items, cursor = paginate(rows, after=after, limit=limit)
    offers_link_storefronts(items, seller_storefront_scopes(who.seller))
    return {"items": [offer_out(o) for o in items], "next": cursor}


class BulkRowIn(Schema):
    offer_id: int | None = None
    sku: str | None = None
    price: Money | None = None
    stock: int | None = None
    status: str | None = None


class BulkIn(Schema):
    rows: list[BulkRowIn] = Field(max_length=MAX_BULK_ROWS, description="At most 10,000 rows.")
    all_or_nothing: bool = Field(False, description="Apply the rows only if every row is valid.")


class BulkProblem(Schema):
    row: int = Field(description="The row's index in ``rows``, from 0.")
    column: str
    value: str
    reason: str


class BulkOut(Schema):
    rows: int
    updated: int = Field(description="Rows applied that changed their offer.")
    unchanged: int = Field(description="Rows applied that changed nothing.")
    error_rows: int
    errors: list[BulkProblem]


@router.post(
    "/bulk",
    response=replies(BulkOut),
    summary="Set the price, stock and status of up to 10,000 offers (by offer_id or sku)",
)
def bulk(request: HttpRequest, payload: BulkIn) -> dict[str, Any]:
    who = seller_caller(request, Perm.EDIT_OFFERS)
    rows = [
        BulkRow(
            offer_id=row.offer_id,
            sku=row.sku,
            price_minor=None if row.price is None else row.price.amount,
            currency=None if row.price is None else row.price.currency,
            stock=row.stock,
            status=row.status,
        )
        for row in payload.rows
    ]
    report = offers_bulk_update(
        seller=who.seller, by=who.user, rows=rows, all_or_nothing=payload.all_or_nothing
    )
    return {
        "rows": report.rows,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_rows": report.error_rows,
        "errors": [p._asdict() for p in report.problems],
    }


@router.get("/{offer_id}", response=replies(OfferOut), summary="One offer of the seller")
def offer(request: HttpRequest, offer_id: int) -> dict[str, Any]:
    who = seller_caller(request, Perm.VIEW_OFFERS)
    return offer_out(offer_get_for_seller(who.seller, offer_id))


def _price_in_range(price: Money) -> Money:
    if not 1 <= price.amount <= MAX_PRICE_MINOR:
        raise ValueError(f"The price is between 1 and {MAX_PRICE_MINOR:,} minor units (cents).")
    return price


class OfferCreate(Schema):
    variant_id: int | None = Field(
        None, description="A catalog variant in a storefront the seller sells on (or give its gtin)."
    )
    gtin: str | None = Field(
        None,
        max_length=20,
        description="The variant's barcode (EAN-13/ISBN, UPC-A, GTIN-14), instead of its id.",
    )
    condition: ConditionCode = "new"
    price: Money = Field(description="In the storefront's currency, VAT included.")
    stock: int = Field(ge=0, le=MAX_STOCK)
    lead_time_days: int = Field(
        2, ge=0, le=365, description="Working days between the order and the dispatch."
    )
    seller_sku: str = Field("", max_length=64)

    _price = field_validator("price")(_price_in_range)

    @model_validator(mode="after")
    def _one_variant(self) -> OfferCreate:
        if (self.variant_id is None) == (not self.gtin):
            raise ValueError("Name the variant by variant_id or by gtin (one of them).")
        return self


@router.post(
    "/",
    response=replies(OfferOut, status=201),
    summary="Put a catalog variant on sale (send an Idempotency-Key)",
)
def create(request: HttpRequest, payload: OfferCreate) -> Status[dict[str, Any]]:
    who = seller_caller(request, Perm.EDIT_OFFERS)
    variant = variant_get_for_listing(who.seller, payload.variant_id, gtin=payload.gtin or "")
    currency = variant.storefront.currency  # type: ignore[attr-defined]
    if payload.price.currency != currency:
        raise InvalidInput({"price": [f"This product sells in {currency}, not {payload.price.currency}."]})
    created = offer_create(
        seller=who.seller,
        variant=variant,
        price=DomainMoney(payload.price.amount, currency),
        stock=payload.stock,
        condition=payload.condition,
        lead_time_days=payload.lead_time_days,
        seller_sku=payload.seller_sku.strip(),
        by=who.user,
    )
    return Status(201, offer_out(offer_get_for_seller(who.seller, created.pk)))


class OfferPatch(Schema):
    price: Money | None = None
    stock: int | None = Field(None, ge=0, le=MAX_STOCK)
    status: OfferStatus | None = None
    seller_sku: str | None = Field(None, max_length=64, description="Only while the offer has none.")

    @field_validator("price")
    @classmethod
    def _price(cls, price: Money | None) -> Money | None:
        return None if price is None else _price_in_range(price)


@router.patch(
    "/{offer_id}", response=replies(OfferOut), summary="Change an offer's price, stock, status or SKU"
)
def change(request: HttpRequest, offer_id: int, payload: OfferPatch) -> dict[str, Any]:
    who = seller_caller(request, Perm.EDIT_OFFERS)
    current = offer_get_for_seller(who.seller, offer_id)
    if payload.price is None and payload.stock is None and payload.status is None and not payload.seller_sku:
        raise InvalidInput({"__all__": ["Give at least one of price, stock, status, seller_sku."]})
    price = payload.price or Money(amount=current.price_minor, currency=current.currency)
    offer_update(
        offer_id=current.pk,
        by=who.user,
        price=DomainMoney(price.amount, price.currency),
        stock=current.stock if payload.stock is None else payload.stock,
        status=payload.status or current.status,
        seller_sku=payload.seller_sku,
        reason=OfferChange.Reason.API,
    )
    return offer_out(offer_get_for_seller(who.seller, offer_id))
