"""The operator's storefronts: the portfolio, one storefront's settings and their update, opening
it, and its closure (announce, cancel, finish), as the back office does them
(/back-office/storefronts/…) and with the same permissions: ``storefronts.view_storefront`` to
read, ``storefronts.change_storefront`` for the rest.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field, StringConstraints

from galerie.api.pagination import Page
from galerie.api.routers.operator_caller import staff
from galerie.api.schemas import Money, money, replies
from galerie.core.errors import InvalidInput
from galerie.ledger.commissions import commission_plan_set
from galerie.ledger.storefront_overview import (
    commission_plan_of,
    storefront_get_for_operator_by_code,
    storefronts_for_operator,
)
from galerie.storefronts.closure import (
    closure_blockers,
    storefront_closure_announce,
    storefront_closure_cancel,
    storefront_closure_finish,
)
from galerie.storefronts.services import (
    storefront_catalog_scope_set,
    storefront_hosts_set,
    storefront_open,
    storefront_theme_update,
    storefront_update,
)

VIEW = "storefronts.view_storefront"
CHANGE = "storefronts.change_storefront"
THEME = ("colour_primary", "colour_accent", "colour_background", "colour_text", "font")

router = Router(tags=["operator"])

Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class CommissionOut(Schema):
    rate_bp: int
    fixed_fee: Money
    on_shipping: bool


class StorefrontRow(Schema):
    code: str
    name: str
    status: str
    currency: str
    default_language: str
    hosts: list[str]
    sellers_admitted: int
    sellers_listed: int
    products_listed: int
    offers_listed: int
    commission: CommissionOut | None
    closing_on: date | None


class ThemeOut(Schema):
    colour_primary: str
    colour_accent: str
    colour_background: str
    colour_text: str
    font: str


class OperatorStorefrontOut(Schema):
    code: str
    name: str
    tagline: str
    status: str
    currency: str
    default_language: str
    theme: ThemeOut
    hosts: list[str]
    catalog_scope: list[int]
    commission: CommissionOut | None
    closing_on: date | None
    closure_reason: str
    closure_announced_at: datetime | None
    sales_stopped_at: datetime | None


def _commission(plan: Any, currency: str) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "rate_bp": plan.rate_bp,
        "fixed_fee": money(plan.fixed_fee_minor, currency),
        "on_shipping": plan.on_shipping,
    }


def _detail(code: str) -> dict[str, Any]:
    s = storefront_get_for_operator_by_code(code=code)
    return {
        "code": s.code,
        "name": s.name,
        "tagline": s.tagline,
        "status": s.status,
        "currency": s.currency,
        "default_language": s.default_language,
        "theme": {name: getattr(s, name) for name in THEME},
        "hosts": [h.host for h in sorted(s.hosts.all(), key=lambda h: (not h.is_primary, h.host))],
        "catalog_scope": sorted(c.pk for c in s.catalog_scope.all()),
        "commission": _commission(commission_plan_of(s), s.currency),
        "closing_on": s.closing_on,
        "closure_reason": s.closure_reason,
        "closure_announced_at": s.closure_announced_at,
        "sales_stopped_at": s.sales_stopped_at,
    }


@router.get(
    "/",
    response=replies(Page[StorefrontRow]),
    summary="Every storefront with its figures (one page: a portfolio is tens)",
)
def storefront_list(request: HttpRequest) -> dict[str, Any]:
    staff(request, VIEW)
    rows = []
    for f in storefronts_for_operator():
        s = f.storefront
        rows.append(
            {
                "code": s.code,
                "name": s.name,
                "status": s.status,
                "currency": s.currency,
                "default_language": s.default_language,
                "hosts": f.hosts,
                "sellers_admitted": f.sellers_admitted,
                "sellers_listed": f.sellers_listed,
                "products_listed": f.products_listed,
                "offers_listed": f.offers_listed,
                "commission": _commission(f.plan, s.currency),
                "closing_on": s.closing_on,
            }
        )
    return {"items": rows, "next": None}


@router.get("/{code}", response=replies(OperatorStorefrontOut), summary="A storefront's settings")
def storefront_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    staff(request, VIEW)
    return _detail(code)


class ThemeIn(Schema):
    colour_primary: Colour | None = None
    colour_accent: Colour | None = None
    colour_background: Colour | None = None
    colour_text: Colour | None = None
    font: Literal["sans", "serif", "rounded"] | None = None


class CommissionIn(Schema):
    rate_bp: int = Field(ge=0, le=10000, description="Basis points: 1250 is 12.5 %.")
    fixed_fee_minor: int = Field(
        0, ge=0, description="Per order line, in the storefront's currency's minor units."
    )
    on_shipping: bool = False


class StorefrontPatch(Schema):
    """Only the fields sent change; all of them or none (one transaction)."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    tagline: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    default_language: str | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    theme: ThemeIn | None = None
    hosts: (
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=253)]] | None
    ) = Field(None, description="Every host name, the first one primary: the list replaces the current one.")
    catalog_scope: list[int] | None = Field(
        None, description="Category ids (each with its subtree); []: the whole catalog."
    )
    commission: CommissionIn | None = None


@router.patch(
    "/{code}",
    response=replies(OperatorStorefrontOut),
    summary="Change a storefront's settings: identity, theme, hosts, catalog scope, commission plan",
)
def storefront_change(request: HttpRequest, code: str, payload: StorefrontPatch) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront = storefront_get_for_operator_by_code(code=code)
    sent = payload.dict(exclude_unset=True)
    languages = {code for code, _name in settings.LANGUAGES}
    if "default_language" in sent and sent["default_language"] not in languages:
        raise InvalidInput({"default_language": [f"One of {', '.join(sorted(languages))}."]})
    for name in ("name", "default_language", "currency"):
        if name in sent and sent[name] is None:
            raise InvalidInput({name: ["This field cannot be null."]})
    with transaction.atomic():  # as the page: all or nothing
        if {"name", "tagline", "default_language", "currency"} & set(sent):
            storefront_update(
                storefront_id=storefront.pk,
                name=sent.get("name") or storefront.name,
                tagline=storefront.tagline if sent.get("tagline") is None else sent["tagline"],
                default_language=sent.get("default_language") or storefront.default_language,
                currency=sent.get("currency"),
                by=by,
            )
        if payload.theme is not None:
            theme = {k: v for k, v in payload.theme.dict(exclude_unset=True).items() if v is not None}
            if theme:
                storefront_theme_update(storefront_id=storefront.pk, theme=theme)
        if payload.hosts is not None:
            storefront_hosts_set(storefront_id=storefront.pk, hosts=payload.hosts)
        if payload.catalog_scope is not None:
            storefront_catalog_scope_set(storefront_id=storefront.pk, category_ids=payload.catalog_scope)
        if payload.commission is not None:
            commission_plan_set(
                storefront_id=storefront.pk,
                rate_bp=payload.commission.rate_bp,
                fixed_fee_minor=payload.commission.fixed_fee_minor,
                on_shipping=payload.commission.on_shipping,
                by=by,
            )
    return _detail(code)


@router.post(
    "/{code}/open", response=replies(OperatorStorefrontOut), summary="Open a draft storefront to customers"
)
def storefront_open_route(request: HttpRequest, code: str) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront = storefront_get_for_operator_by_code(code=code)
    storefront_open(storefront_id=storefront.pk, by=by)
    return _detail(code)


class ClosureIn(Schema):
    closing_on: date = Field(description="The first day without sales (today or later).")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


@router.post(
    "/{code}/closure",
    response=replies(OperatorStorefrontOut),
    summary="Announce an open storefront's closure: sales stop on closing_on; sellers and customers are told",
)
def storefront_closure(request: HttpRequest, code: str, payload: ClosureIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront = storefront_get_for_operator_by_code(code=code)
    storefront_closure_announce(
        storefront_id=storefront.pk, closing_on=payload.closing_on, reason=payload.reason, by=by
    )
    return _detail(code)


class CancelIn(Schema):
    reason: Text = ""


@router.post(
    "/{code}/closure/cancel",
    response=replies(OperatorStorefrontOut),
    summary="Cancel an announced closure: the storefront sells again at once",
)
def storefront_closure_cancel_route(request: HttpRequest, code: str, payload: CancelIn) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront = storefront_get_for_operator_by_code(code=code)
    storefront_closure_cancel(storefront_id=storefront.pk, by=by, reason=payload.reason)
    return _detail(code)


class BlockersOut(Schema):
    blocked: bool
    reasons: list[str]


@router.get(
    "/{code}/closure/blockers",
    response=replies(BlockersOut),
    summary="What still keeps a closing storefront from closing for good",
)
def storefront_closure_blockers(request: HttpRequest, code: str) -> dict[str, Any]:
    staff(request, VIEW)
    storefront = storefront_get_for_operator_by_code(code=code)
    blockers = closure_blockers(storefront_id=storefront.pk)
    return {"blocked": bool(blockers), "reasons": [str(r) for r in blockers.describe()]}


@router.post(
    "/{code}/closure/finish",
    response=replies(OperatorStorefrontOut),
    summary="Close a closing storefront for good once nothing blocks it (409 naming what does)",
)
def storefront_closure_finish_route(request: HttpRequest, code: str) -> dict[str, Any]:
    by = staff(request, CHANGE).user
    storefront = storefront_get_for_operator_by_code(code=code)
    storefront_closure_finish(storefront_id=storefront.pk, by=by)
    return _detail(code)
