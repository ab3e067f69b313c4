"""The operator's storefronts: the portfolio, a new storefront, its settings, opening it to
customers, announcing or cancelling its closure, and the closure report (page and CSV).

Operator staff only, and with the storefronts' permissions of the admin (``view_storefront``
to read, ``add_storefront`` to create, ``change_storefront`` for the rest): opening and
closing a storefront is not every curator's call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from galerie.core.actors import Actor
from galerie.core.csvsafe import safe_writer
from galerie.core.errors import DomainError
from galerie.core.money import Money
from galerie.ledger.closure_report import (
    CSV_HEADER,
    closure_preview,
    closure_report,
    closure_report_rows,
)
from galerie.ledger.commissions import commission_plan_set
from galerie.ledger.storefront_overview import (
    commission_plan_of,
    storefront_get_for_operator,
    storefronts_for_operator,
)
from galerie.storefronts.closure import (
    storefront_closure_announce,
    storefront_closure_cancel,
    storefront_closure_finish,
)
from galerie.storefronts.models import Storefront
from galerie.storefronts.services import (
    storefront_catalog_scope_set,
    storefront_create,
    storefront_hosts_set,
    storefront_open,
    storefront_theme_update,
    storefront_update,
)
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_staff import StorefrontClosureForm, StorefrontForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

VIEW = "storefronts.view_storefront"
ADD = "storefronts.add_storefront"
CHANGE = "storefronts.change_storefront"
FORM = "galerie/operator/storefront_form.html"
CLOSE = "galerie/operator/closure_form.html"
THEME_DEFAULTS = {f.name: f.default for f in Storefront._meta.fields if f.name in StorefrontForm.THEME}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
RENAMED = {"host": "hosts", "rate_bp": "commission_rate", "fixed_fee_minor": "commission_fixed_fee"}


def needs(perm: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Let the view run only for a staff member holding ``perm`` (a superuser holds every one)."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: OperatorRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(perm):
                return render(request, "galerie/operator/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


@operator_view()
@needs(VIEW)
def storefront_list(request: OperatorRequest) -> HttpResponse:
    context = {"rows": storefronts_for_operator(), "can_add": request.user.has_perm(ADD)}
    return render(request, "galerie/operator/storefronts.html", context)


def _initial(storefront: Storefront | None) -> dict[str, Any]:
    if storefront is None:
        return {**THEME_DEFAULTS, "default_language": "fr", "currency": "EUR", "commission_rate": 0}
    plan = commission_plan_of(storefront)
    return {
        "name": storefront.name,
        "tagline": storefront.tagline,
        "default_language": storefront.default_language,
        "currency": storefront.currency,
        **{n: getattr(storefront, n) for n in StorefrontForm.THEME},
        "hosts": "\n".join(h.host for h in storefront.hosts.all()),
        "catalog_scope": [c.pk for c in storefront.catalog_scope.all()],
        "commission_rate": Decimal(plan.rate_bp) / 100 if plan else 0,
        "commission_fixed_fee": _decimal(plan.fixed_fee_minor, storefront.currency) if plan else "",
        "commission_on_shipping": plan.on_shipping if plan else False,
    }


def _decimal(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor, currency).to_decimal())


def _preview(form: StorefrontForm) -> dict[str, str]:
    """The colours and font the preview swatch shows: the submitted ones where they are valid,
    else the storefront's (or the defaults)."""
    shown = {}
    for name in StorefrontForm.THEME:
        value = str(form[name].value() or "")
        fallback = str(form.initial.get(name) or THEME_DEFAULTS[name])
        valid = value in Storefront.Font.values if name == "font" else bool(COLOUR.match(value))
        shown[name] = value if valid else fallback
    return shown


def _form_page(
    request: OperatorRequest, form: StorefrontForm, storefront: Storefront | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "storefront": storefront,
        "preview": _preview(form),
        "can_change": request.user.has_perm(CHANGE if storefront else ADD),
    }
    return render(request, FORM, context, status=status)


@operator_view(methods=("GET", "HEAD", "POST"))
@needs(ADD)
def storefront_new(request: OperatorRequest) -> HttpResponse:
    form = StorefrontForm(request.POST or None, initial=_initial(None))
    if request.method != "POST":
        return _form_page(request, form, None)
    if "preview" in request.POST or not form.is_valid():
        form.is_valid()
        return _form_page(request, form, None, status=200 if "preview" in request.POST else 400)
    data = form.cleaned_data
    try:
        # One form, two doors (the storefront, its commission plan): both or neither.
        with transaction.atomic():
            storefront = storefront_create(
                code=data["code"],
                name=data["name"],
                default_language=data["default_language"],
                currency=data["currency"],
                tagline=data["tagline"],
                theme=form.theme(),
                hosts=data["hosts"],
                catalog_scope=data["catalog_scope"],
            )
            _commission_plan_save(storefront.pk, data, request.user)
    except DomainError as problem:
        add_domain_errors(form, problem, renamed=RENAMED)
        return _form_page(request, form, None, status=400)
    messages.success(request, _("Storefront created as a draft: customers see it once you open it."))
    return redirect("back_office:storefront", storefront_id=storefront.pk)


def _commission_plan_save(storefront_id: int, data: dict[str, Any], by: Actor) -> None:
    commission_plan_set(
        storefront_id=storefront_id,
        rate_bp=data["commission_rate"],
        fixed_fee_minor=data["commission_fixed_fee_minor"],
        on_shipping=data["commission_on_shipping"],
        by=by,
    )


@operator_view(methods=("GET", "HEAD", "POST"))
@needs(VIEW)
def storefront_detail(request: OperatorRequest, storefront_id: int) -> HttpResponse:
    storefront = storefront_get_for_operator(storefront_id=storefront_id)
    form = StorefrontForm(request.POST or None, initial=_initial(storefront), storefront=storefront)
    if request.method != "POST":
        return _form_page(request, form, storefront)
    if not request.user.has_perm(CHANGE):
        return render(request, "galerie/operator/forbidden.html", status=403)
    if "preview" in request.POST or not form.is_valid():
        form.is_valid()
        return _form_page(request, form, storefront, status=200 if "preview" in request.POST else 400)
    data = form.cleaned_data
    try:
        # One form, five doors: all or nothing.
        with transaction.atomic():
            storefront_update(
                storefront_id=storefront.pk,
                name=data["name"],
                tagline=data["tagline"],
                default_language=data["default_language"],
                currency=data["currency"],
                by=request.user,
            )
            storefront_theme_update(storefront_id=storefront.pk, theme=form.theme())
            storefront_hosts_set(storefront_id=storefront.pk, hosts=data["hosts"])
            storefront_catalog_scope_set(
                storefront_id=storefront.pk, category_ids=[c.pk for c in data["catalog_scope"]]
            )
            _commission_plan_save(storefront.pk, data, request.user)
    except DomainError as problem:
        add_domain_errors(form, problem, renamed=RENAMED)
        return _form_page(request, form, storefront, status=400)
    messages.success(request, _("Saved: the storefront shows the change at once."))
    return redirect("back_office:storefront", storefront_id=storefront.pk)


@operator_view(methods=("POST",))
@needs(CHANGE)
def storefront_open_view(request: OperatorRequest, storefront_id: int) -> HttpResponse:
    storefront = storefront_get_for_operator(storefront_id=storefront_id)
    try:
        storefront_open(storefront_id=storefront.pk, by=request.user)
    except DomainError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("Open: customers can visit and buy on the storefront now."))
    return redirect("back_office:storefront", storefront_id=storefront.pk)


def _closure_page(
    request: OperatorRequest, storefront: Storefront, form: StorefrontClosureForm, status: int = 200
) -> HttpResponse:
    return render(request, CLOSE, {"storefront": storefront, "form": form}, status=status)


@operator_view(methods=("GET", "HEAD", "POST"))
@needs(VIEW)
def storefront_close(request: OperatorRequest, storefront_id: int) -> HttpResponse:
    """The closure's form; sent, the confirmation naming what will happen; confirmed, the
    announcement."""
    storefront = storefront_get_for_operator(storefront_id=storefront_id)
    form = StorefrontClosureForm(request.POST or None)
    if request.method != "POST":
        return _closure_page(request, storefront, form)
    if not request.user.has_perm(CHANGE):
        return render(request, "galerie/operator/forbidden.html", status=403)
    if storefront.status != Storefront.Status.OPEN:
        form.is_valid()
        form.add_error(None, _("Only an open storefront can be announced for closure."))
        return _closure_page(request, storefront, form, status=400)
    if not form.is_valid():
        return _closure_page(request, storefront, form, status=400)
    data = form.cleaned_data
    if not data["confirm"]:
        preview = closure_preview(storefront=storefront, closing_on=data["closing_on"])
        context = {"storefront": storefront, "form": form, "preview": preview}
        return render(request, "galerie/operator/closure_confirm.html", context)
    try:
        storefront_closure_announce(
            storefront_id=storefront.pk, closing_on=data["closing_on"], reason=data["reason"], by=request.user
        )
    except DomainError as problem:
        add_domain_errors(form, problem)
        return _closure_page(request, storefront, form, status=400)
    messages.success(
        request,
        _("Closure announced: the banner shows on every page and sellers and customers are told by e-mail."),
    )
    return redirect("back_office:storefront_closure", storefront_id=storefront.pk)


@operator_view(methods=("POST",))
@needs(CHANGE)
def storefront_reopen(request: OperatorRequest, storefront_id: int) -> HttpResponse:
    storefront = storefront_get_for_operator(storefront_id=storefront_id)
    if storefront.status != Storefront.Status.CLOSING:
        # storefront_closure_cancel would take a draft to open: re-opening is for a closing one.
        messages.error(request, _("Only a storefront announced for closure can be re-opened."))
        return redirect("back_office:storefront", storefront_id=storefront.pk)
    try:
        storefront_closure_cancel(
            storefront_id=storefront.pk, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("Closure cancelled: the storefront sells again at once."))
    return redirect("back_office:storefront", storefront_id=storefront.pk)


@operator_view()
@needs(VIEW)
def storefront_closure(request: OperatorRequest, storefront_id: int) -> HttpResponse:
    storefront = storefront_get_for_operator(storefront_id=storefront_id)
    report = closure_report(
        storefront=storefront,
        orders_after=_int(request.GET.get("orders_after")),
        refunds_after=_int(request.GET.get("refunds_after")),
        payouts_after=_int(request.GET.get("payouts_after")),
        only_open=request.GET.get("open") == "1",
    )
    context = {
        "storefront": storefront,
        "report": report,
        "blocking": report.blockers.describe() if report.blockers is not None else [],
        "details": _details(report),
        "only_open": request.GET.get("open") == "1",
    }
    return render(request, "galerie/operator/closure_report.html", context)


def _details(report: Any) -> dict[str, Any]:
    """What the blockers name, for the report: order numbers and sellers' amounts."""
    if report.blockers is None:
        return {}
    details = report.blockers.details
    names = report.seller_names

    def with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "name": names.get(row["seller_id"], "")} for row in rows]

    return {
        "numbers": [
            (_("Open seller orders"), details.get("open_seller_orders", [])),
            (_("Delivered, in the withdrawal period"), details.get("withdrawal_open", [])),
            (_("Refused or cancelled, refund due"), details.get("refunds_due", [])),
            (_("Payments not settled"), details.get("payments_unsettled", [])),
        ],
        "held": with_names(details.get("held_by_seller", [])),
        "debts": with_names(details.get("sellers_in_debt", [])),
    }


@operator_view()
@needs(VIEW)
def storefront_closure_csv(request: OperatorRequest, storefront_id: int) -> StreamingHttpResponse:
    storefront = storefront_get_for_operator(storefront_id=storefront_id)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = safe_writer(Echo())  # a cell starting like a formula is shown as text, never run

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel reads the file as UTF-8
        yield writer.writerow(CSV_HEADER)
        for row in closure_report_rows(storefront):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="closure-{storefront.code}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@operator_view(methods=("POST",))
@needs(CHANGE)
def storefront_closure_finish_view(request: OperatorRequest, storefront_id: int) -> HttpResponse:
    storefront = storefront_get_for_operator(storefront_id=storefront_id)
    try:
        storefront_closure_finish(storefront_id=storefront.pk, by=request.user)
    except DomainError as problem:
        messages.error(request, problem.message)
    else:
        messages.success(request, _("Closed for good: its pages now answer that it is closed."))
    return redirect("back_office:storefront_closure", storefront_id=storefront.pk)
