"""The back office's seller quality page: one storefront's sellers, worst first, with each
figure and the thresholds they breach; and the form that sets the storefront's deadlines and
thresholds."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from galerie.core.errors import InvalidInput
from galerie.ledger.reports import Period
from galerie.messaging.selectors import seller_response_times
from galerie.orders.models import SellerQualityWarning
from galerie.orders.quality import (
    Thresholds,
    storefront_for_quality,
    storefront_seller_quality,
    storefronts_for_quality,
)
from galerie.storefronts.models import Storefront
from galerie.storefronts.services import storefront_quality_settings_update
from galerie.web.forms_quality import QualitySettingsForm
from galerie.web.forms_staff import PeriodForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

TEMPLATE = "galerie/operator/quality.html"
# Sellers per page: the figures of every seller come from one query and are ranked in memory
# (a few thousand rows at most); the page shows them a hundred at a time.
PAGE_SIZE = 100
Figure = SellerQualityWarning.Figure


def _page(
    request: OperatorRequest,
    storefronts: list[Storefront],
    storefront: Storefront,
    *,
    settings_form: QualitySettingsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    period_form = PeriodForm(request.GET if ("start" in request.GET or "end" in request.GET) else None)
    period = Period()
    if period_form.is_bound and period_form.is_valid():
        period = Period(period_form.cleaned_data["start"], period_form.cleaned_data["end"])
    bad_period = period_form.is_bound and not period_form.is_valid()
    now = timezone.now()
    until = min(period.ends_before or now, now)
    since = period.starts_at
    rows = (
        []
        if bad_period
        else storefront_seller_quality(storefront=storefront, since=since, until=until, now=now)
    )
    number = _page_number(request.GET.get("page"), len(rows))
    first = (number - 1) * PAGE_SIZE
    query = request.GET.copy()
    query["storefront"] = storefront.code
    context: dict[str, Any] = {
        "storefronts": storefronts,
        "storefront": storefront,
        "rows": rows[first : first + PAGE_SIZE],
        "total": len(rows),
        "breaching": sum(1 for row in rows if row.breached),
        "first": first + 1,
        "last": min(first + PAGE_SIZE, len(rows)),
        "previous_url": _with_page(query, number - 1) if number > 1 else "",
        "next_url": _with_page(query, number + 1) if first + PAGE_SIZE < len(rows) else "",
        "figures": Figure,
        "form": period_form,
        "bad_period": bad_period,
        "period": period,
        "window_days": storefront.quality_window_days,
        "thresholds": Thresholds.of(storefront),
        "settings_form": settings_form or QualitySettingsForm.for_storefront(storefront),
        "response_times": seller_response_times(
            storefront=storefront, seller_ids=[r.seller_id for r in rows], since=since, until=until
        ),
    }
    return render(request, TEMPLATE, context, status=400 if bad_period else status)


def _page_number(value: str | None, count: int) -> int:
    pages = max(1, -(-count // PAGE_SIZE))
    try:
        return min(max(1, int(value or 1)), pages)
    except ValueError:
        return 1


def _with_page(query: Any, number: int) -> str:
    query = query.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


@operator_view()
def quality(request: OperatorRequest) -> HttpResponse:
    storefronts = storefronts_for_quality()
    if not storefronts:
        return render(request, TEMPLATE, {"storefronts": []})
    storefront = storefront_for_quality(storefronts, request.GET.get("storefront"))
    return _page(request, storefronts, storefront)


@operator_view(methods=("POST",))
def quality_settings(request: OperatorRequest) -> HttpResponse:
    storefronts = storefronts_for_quality()
    storefront = storefront_for_quality(storefronts, request.POST.get("storefront", "") or "-")
    form = QualitySettingsForm(request.POST)
    if form.is_valid():
        try:
            storefront_quality_settings_update(
                storefront_id=storefront.pk, settings=form.settings(), by=request.user
            )
        except InvalidInput as problem:
            for name, errors in problem.errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("The quality settings of %(name)s are saved.") % {"name": storefront})
            url = reverse("back_office:quality") + "?" + urlencode({"storefront": storefront.code})
            return redirect(url)
    return _page(request, storefronts, storefront, settings_form=form, status=400)
