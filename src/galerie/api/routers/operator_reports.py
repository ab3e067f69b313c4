"""The operator's money reports as JSON, the figures of the back office's money pages
(/back-office/money/…): the trial balance, commission revenue per storefront and month, each
storefront's profit and loss per month, and the reconciliation of the gateway with the ledger.

Every report takes a period (``start``, ``end``: days, both included, either optional) and needs
``ledger.view_journalentry`` (the back office lets every staff member see them; the API asks
for the ledger's read permission).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from galerie.api.routers.operator_caller import staff
from galerie.api.schemas import replies
from galerie.core.errors import InvalidInput
from galerie.ledger import pnl as ledger_pnl
from galerie.ledger import reports
from galerie.storefronts.models import Storefront

VIEW = "ledger.view_journalentry"

router = Router(tags=["operator"])


def _period(start: date | None, end: date | None) -> reports.Period:
    if start and end and end < start:
        raise InvalidInput({"end": ["The end of the period is before its start."]})
    return reports.Period(start, end)


class PeriodOut(Schema):
    start: date | None
    end: date | None


class BalanceRow(Schema):
    kind: str
    currency: str
    opening_minor: int
    debit_minor: int
    credit_minor: int
    balance_minor: int


class BalanceTotal(Schema):
    currency: str
    opening_minor: int
    debit_minor: int
    credit_minor: int
    balance_minor: int


class TrialBalanceOut(Schema):
    period: PeriodOut
    rows: list[BalanceRow]
    totals: list[BalanceTotal]


@router.get(
    "/trial-balance",
    response=replies(TrialBalanceOut),
    summary="Trial balance per account kind and currency: opening, debits, credits, closing (minor units)",
)
def trial_balance(request: HttpRequest, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    staff(request, VIEW)
    report = reports.trial_balance_by_kind(_period(start, end))
    return {
        "period": {"start": start, "end": end},
        "rows": [{k: r[k] for k in BalanceRow.model_fields} for r in report["rows"]],
        "totals": [{"currency": c, **t} for c, t in report["totals"].items()],
    }


class CommissionRow(Schema):
    storefront: str | None
    storefront_name: str | None
    month: str
    currency: str
    revenue_minor: int


class CommissionsOut(Schema):
    period: PeriodOut
    rows: list[CommissionRow]


@router.get(
    "/commissions",
    response=replies(CommissionsOut),
    summary="Commission revenue (VAT excluded, net of refunds) per storefront, month and currency",
)
def commissions(request: HttpRequest, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    staff(request, VIEW)
    rows = reports.commission_revenue_by_storefront_month(_period(start, end))
    codes = dict(Storefront.objects.values_list("pk", "code"))  # the API names storefronts by code
    return {
        "period": {"start": start, "end": end},
        "rows": [
            {
                "storefront": codes.get(r["storefront_id"]) if r["storefront_id"] else None,
                "storefront_name": r["storefront"],
                "month": r["month"].strftime("%Y-%m"),
                "currency": r["currency"],
                "revenue_minor": r["revenue_minor"],
            }
            for r in rows
        ],
    }


class FiguresOut(Schema):
    currency: str
    gmv_minor: int
    orders: int
    average_basket_minor: int | None
    refunds_minor: int
    commission_minor: int
    commission_vat_minor: int
    take_rate_percent: str | None
    payment_costs_minor: int
    operator_costs_minor: int
    costs_minor: dict[str, int]
    contribution_margin_minor: int
    new_customers: int
    returning_customers: int
    active_sellers: int


class MonthOut(FiguresOut):
    month: str


class StorefrontPnlOut(Schema):
    storefront: str | None
    name: str
    status: str
    currency: str
    offers_listed: int
    total: FiguresOut
    months: list[MonthOut]


class PnlOut(Schema):
    period: PeriodOut
    storefronts: list[StorefrontPnlOut]
    totals: list[FiguresOut]


def _figures(f: ledger_pnl.Figures) -> dict[str, Any]:
    return {
        "currency": f.currency,
        "gmv_minor": f.gmv_minor,
        "orders": f.orders,
        "average_basket_minor": f.average_basket_minor,
        "refunds_minor": f.refunds_minor,
        "commission_minor": f.commission_minor,
        "commission_vat_minor": f.commission_vat_minor,
        "take_rate_percent": None if f.take_rate is None else str(f.take_rate),
        "payment_costs_minor": f.fees_minor,
        "operator_costs_minor": f.costs_minor,
        "costs_minor": dict(f.costs),
        "contribution_margin_minor": f.margin_minor,
        "new_customers": f.new_customers,
        "returning_customers": f.returning_customers,
        "active_sellers": f.active_sellers,
    }


@router.get(
    "/pnl",
    response=replies(PnlOut),
    summary="Each storefront's profit and loss, per month and for the period (docs/portfolio-pnl.md)",
)
def pnl(request: HttpRequest, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    staff(request, VIEW)
    report = ledger_pnl.storefront_pnl(_period(start, end))
    return {
        "period": {"start": start, "end": end},
        "storefronts": [
            {
                "storefront": s.code or None,
                "name": s.name,
                "status": s.status,
                "currency": s.currency,
                "offers_listed": s.offers_listed,
                "total": _figures(s.total),
                "months": [{"month": m.strftime("%Y-%m"), **_figures(f)} for m, f in s.months],
            }
            for s in report.storefronts
        ],
        "totals": [_figures(f) for f in report.totals.values()],
    }
