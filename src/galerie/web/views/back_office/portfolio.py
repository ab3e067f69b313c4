"""The back office's portfolio page: each storefront's profit and loss (ledger.pnl), side by side
and month by month, with server-drawn SVG charts (each with its table), the operator's costs
per storefront and month, and the same figures as CSV. Same period form and rules as the other
money reports (``money._over_period``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.ledger import pnl as ledger_pnl
from galerie.ledger.costs import (
    storefront_cost_correct,
    storefront_cost_delete,
    storefront_cost_record,
)
from galerie.ledger.models import StorefrontCost
from galerie.ledger.reports import ALL_TIME, Period
from galerie.web.forms_portfolio import StorefrontCostForm
from galerie.web.forms_staff import PeriodForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.back_office.money import _csv, _over_period

TEMPLATE = "galerie/operator/storefronts_pnl.html"
WIDTH, BAR_HEIGHT, GAP = 640, 22, 8


@dataclass
class Bar:
    label: str
    value_minor: int
    currency: str
    x: float
    width: float
    y: float
    height: float
    series: str


def _scale(values: list[int]) -> tuple[float, float]:
    """The zero line's position (0..1 of the width/height) and the units per minor unit."""
    low, high = min([0, *values]), max([0, *values])
    span = (high - low) or 1
    return -low / span, 1 / span


def comparison_chart(report: ledger_pnl.Pnl) -> dict[str, Any]:
    """Horizontal bars per storefront: GMV, commission revenue and contribution margin (one
    currency per bar: a chart mixes currencies only across rows, never on one axis)."""
    rows = [s for s in report.storefronts if s.storefront_id is not None]
    series = [
        ("gmv", _("GMV")),
        ("commission", _("Commission revenue")),
        ("margin", _("Contribution margin")),
    ]
    values = [[s.total.gmv_minor, s.total.commission_minor, s.total.margin_minor] for s in rows]
    zero, unit = _scale([v for row in values for v in row])
    plot_x, plot_w = 170, WIDTH - 180
    bars, labels, y = [], [], 10.0
    for s, row in zip(rows, values, strict=True):
        labels.append({"text": s.name, "y": y + 1.5 * BAR_HEIGHT})
        for (key, name), value in zip(series, row, strict=True):
            width = abs(value) * unit * plot_w
            x = plot_x + zero * plot_w - (width if value < 0 else 0)
            bars.append(
                Bar(f"{s.name} — {name}", value, s.currency, x, max(width, 1), y, BAR_HEIGHT - 4, key)
            )
            y += BAR_HEIGHT
        y += GAP * 2
    return {
        "empty": not any(v for row in values for v in row),
        "width": WIDTH,
        "height": max(y, 40),
        "zero_x": plot_x + zero * plot_w,
        "bars": bars,
        "labels": labels,
        "series": series,
    }


def monthly_chart(storefront: ledger_pnl.StorefrontPnl) -> dict[str, Any]:
    """Vertical bars per month: GMV and contribution margin (below the zero line when negative)."""
    months = storefront.months
    values = [v for _m, f in months for v in (f.gmv_minor, f.margin_minor)]
    zero, unit = _scale(values)
    top, plot_h, left = 10, 180, 10
    slot = (WIDTH - 2 * left) / max(len(months), 1)
    bar_w = min(max(slot / 2 - 3, 2), 36)  # one month alone is not a wall of colour
    pad = (slot - 2 * bar_w - 2) / 2
    baseline = top + (1 - zero) * plot_h
    bars, ticks = [], []
    for i, (month, f) in enumerate(months):
        x0 = left + i * slot + pad
        for j, (key, value) in enumerate((("gmv", f.gmv_minor), ("margin", f.margin_minor))):
            height = abs(value) * unit * plot_h
            y = baseline - height if value >= 0 else baseline
            bars.append(
                Bar(f"{month:%Y-%m}", value, f.currency, x0 + j * (bar_w + 2), bar_w, y, max(height, 1), key)
            )
        ticks.append({"x": x0 + bar_w + 1, "text": f"{month:%m/%y}"})
    return {"empty": not any(values), "width": WIDTH, "height": top + plot_h + 30, "baseline": baseline,
            "bars": bars, "ticks": ticks, "tick_y": top + plot_h + 22}  # fmt: skip


def _page(
    request: OperatorRequest,
    form: PeriodForm,
    period: Period,
    *,
    cost_form: StorefrontCostForm | None = None,
    status: int = 200,
) -> HttpResponse:
    report = ledger_pnl.storefront_pnl(period)
    costs = StorefrontCost.objects.select_related("storefront", "created_by", "updated_by").order_by(
        "-month", "storefront__name", "kind", "pk"
    )
    if period.first is not None:
        costs = costs.filter(month__gte=period.first.replace(day=1))
    if period.last is not None:
        costs = costs.filter(month__lte=period.last)
    named = [s for s in report.storefronts if s.storefront_id is not None]
    cost_rows = [
        (label, [(s.total.costs[kind], s.currency) for s in named])
        for kind, label in StorefrontCost.Kind.choices
    ]
    context = {
        "cost_rows": cost_rows,
        "form": form,
        "period": period,
        "report": report,
        "storefronts": [s for s in report.storefronts if s.storefront_id is not None],
        "unattributed": [s for s in report.storefronts if s.storefront_id is None],
        "comparison": comparison_chart(report),
        "series": [(s, monthly_chart(s)) for s in report.storefronts if s.storefront_id is not None],
        "cost_kinds": StorefrontCost.Kind.choices,
        "costs": costs[:200],
        "cost_form": cost_form or _cost_form(request.GET.get("correct", "")),
        "query": request.GET.urlencode(),
    }
    return render(request, TEMPLATE, context, status=status)


def _cost_form(correct: str) -> StorefrontCostForm:
    """An empty cost form for this month, or the form filled with the cost ``?correct=<id>`` names."""
    cost = StorefrontCost.objects.filter(pk=int(correct)).first() if correct.isdigit() else None
    if cost is None:
        return StorefrontCostForm(initial={"month": date.today().replace(day=1)})
    amount = Money(cost.amount_minor, cost.currency).to_decimal()
    initial = {
        "storefront": cost.storefront_id,
        "month": cost.month,
        "kind": cost.kind,
        "amount": str(amount),
    }
    return StorefrontCostForm(initial={**initial, "note": cost.note, "cost_id": cost.pk})


@operator_view()
def storefronts(request: OperatorRequest) -> HttpResponse:
    def page(form: PeriodForm, period: Period) -> HttpResponse:
        return _page(request, form, period)

    return _over_period(request, TEMPLATE, page)


@operator_view()
def storefronts_csv(request: OperatorRequest) -> HttpResponse:
    def sheet(form: PeriodForm, period: Period) -> HttpResponse:
        report = ledger_pnl.storefront_pnl(period)
        return _csv(ledger_pnl.storefront_pnl_csv(report), "storefronts-pnl", period)

    return _over_period(request, TEMPLATE, sheet)


@operator_view(methods=("POST",))
def cost_record(request: OperatorRequest) -> HttpResponse:
    form = StorefrontCostForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = {"month": data["month"].replace(day=1), "kind": data["kind"], "amount": data["money"]}
        try:
            if data.get("cost_id"):
                storefront_cost_correct(
                    cost_id=data["cost_id"], storefront_id=data["storefront"].pk, note=data["note"],
                    acting_user=request.user, **fields,
                )  # fmt: skip
            else:
                storefront_cost_record(
                    storefront_id=data["storefront"].pk, note=data["note"], acting_user=request.user, **fields
                )
        except DomainError as problem:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            messages.success(request, _("Cost corrected.") if data.get("cost_id") else _("Cost recorded."))
            return redirect("back_office:storefronts_pnl")
    return _page(request, PeriodForm(), ALL_TIME, cost_form=form, status=400)


@operator_view(methods=("POST",))
def cost_delete(request: OperatorRequest) -> HttpResponse:
    """Delete the cost the form names (``cost_id`` in the body); an unknown one is a 404."""
    raw = request.POST.get("cost_id", "")
    storefront_cost_delete(cost_id=int(raw) if raw.isdigit() else 0, acting_user=request.user)
    messages.success(request, _("Cost deleted."))
    return redirect("back_office:storefronts_pnl")
