"""The operator's seller curation: the queue, one seller's file, decisions, status, documents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError, InvalidInput
from galerie.ledger.selectors import seller_ledger_balances
from galerie.orders.selectors import seller_open_order_numbers
from galerie.sellers.errors import SellerDocumentNotFound
from galerie.sellers.models import Seller, SellerTermination
from galerie.sellers.selectors import (
    QUEUE_PAGE,
    seller_document_get_for_operator,
    seller_get_for_operator,
    seller_queue_counts,
    seller_status_history,
    seller_termination_scheduled,
    sellers_for_queue,
)
from galerie.sellers.services import (
    seller_activate,
    seller_close,
    seller_curation_approve,
    seller_curation_refuse,
    seller_info_request,
    seller_reject,
    seller_suspend,
)
from galerie.web.forms_sellers import SellerDecisionForm, SellerStatusForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

DEFAULT_STATUS = Seller.Status.APPLIED
ALL = "all"


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


@operator_view()
def seller_queue(request: OperatorRequest) -> HttpResponse:
    status = request.GET.get("status") or DEFAULT_STATUS
    if status != ALL and status not in Seller.Status.values:
        status = DEFAULT_STATUS
    after = _int(request.GET.get("after"))
    rows = sellers_for_queue(status=None if status == ALL else status, after_id=after)
    now = timezone.now()
    for seller in rows:
        # ``since`` is annotated by sellers_for_queue, ``days_waiting`` is for the template:
        # neither is a field of Seller.
        seller.days_waiting = (now - seller.since).days  # type: ignore[attr-defined]
    counts = seller_queue_counts()
    chips = [(value, label, counts[value]) for value, label in Seller.Status.choices]
    context = {
        "sellers": rows,
        "status": status,
        "chips": chips,
        "total": sum(counts.values()),
        "next_after": rows[-1].pk if len(rows) == QUEUE_PAGE else None,
        "after": after,
    }
    return render(request, "galerie/operator/seller_queue.html", context)


def _detail(
    request: OperatorRequest,
    seller_id: int,
    *,
    decision: SellerDecisionForm | None = None,
    status_form: SellerStatusForm | None = None,
    error: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    seller = seller_get_for_operator(seller_id=seller_id)
    admissions = list(seller.admissions.all())
    context = {
        "seller": seller,
        "admissions": admissions,
        "history": seller_status_history(seller=seller),
        "decision": decision,
        "status_form": status_form,
        "error": error or {},
        "in_curation": seller.status in (Seller.Status.APPLIED, Seller.Status.INFO_REQUESTED),
        "open_orders": seller_open_order_numbers(seller_id=seller.pk),
        "balances": seller_ledger_balances(seller_id=seller.pk),
        "termination": seller_termination_scheduled(seller=seller),
        "exemptions": SellerTermination.Exemption.choices,
    }
    return render(request, "galerie/operator/seller_detail.html", context, status=status)


@operator_view()
def seller_detail(request: OperatorRequest, seller_id: int) -> HttpResponse:
    return _detail(request, seller_id)


@operator_view(methods=("POST",))
def seller_decide(request: OperatorRequest, seller_id: int) -> HttpResponse:
    seller = seller_get_for_operator(seller_id=seller_id)
    storefront_ids = {a.storefront_id for a in seller.admissions.all()}
    form = SellerDecisionForm(request.POST, storefront_ids=storefront_ids)
    if not form.is_valid():
        return _detail(request, seller.pk, decision=form, error=_form_error(form), status=400)
    data, by = form.cleaned_data, request.user
    try:
        match data["action"]:
            case "approve":
                seller_curation_approve(seller_id=seller.pk, storefront_id=data["storefront"], by=by)
                done = _("Approved: the seller is told by e-mail and may sell there now.")
            case "refuse":
                seller_curation_refuse(
                    seller_id=seller.pk,
                    storefront_id=data["storefront"],
                    reason=data["reason"],
                    ground=data["ground"],
                    by=by,
                )
                done = _("Storefront refused: the seller is told why by e-mail.")
            case "reject":
                seller_reject(seller_id=seller.pk, reason=data["reason"], by=by)
                done = _("Application rejected: the applicant is told why by e-mail.")
            case _:
                seller_info_request(seller_id=seller.pk, message=data["message"], by=by)
                done = _("Question sent: the applicant is asked by e-mail to answer in their seller area.")
    except (InvalidInput, DomainError) as problem:
        return _detail(request, seller.pk, decision=form, error=_domain_error(form, problem), status=400)
    messages.success(request, done)
    return redirect("back_office:seller", seller_id=seller.pk)


@operator_view(methods=("POST",))
def seller_status(request: OperatorRequest, seller_id: int) -> HttpResponse:
    seller = seller_get_for_operator(seller_id=seller_id)
    form = SellerStatusForm(request.POST)
    if not form.is_valid():
        return _detail(request, seller.pk, status_form=form, error=_form_error(form), status=400)
    data, by = form.cleaned_data, request.user
    try:
        match data["action"]:
            case "suspend":
                seller_suspend(seller_id=seller.pk, reason=data["reason"], ground=data["ground"], by=by)
                done = _("Suspended: its offers are off every storefront; the seller is told why by e-mail.")
            case "reactivate":
                seller_activate(seller_id=seller.pk, by=by)
                done = _("Reactivated: its offers are back on the storefronts it is admitted to.")
            case _:
                closed = seller_close(
                    seller_id=seller.pk,
                    reason=data["reason"],
                    ground=data["ground"],
                    exception=data["exception"] or "",
                    exception_reason=data["exception_reason"],
                    by=by,
                )
                if closed.status == closed.Status.CLOSED:
                    done = _("Closed: its offers are closed and the seller is told by e-mail.")
                else:
                    done = _(
                        "Notice of termination sent: the seller is told why by e-mail; the shop closes "
                        "in 30 days."
                    )
    except (InvalidInput, DomainError) as problem:
        return _detail(request, seller.pk, status_form=form, error=_domain_error(form, problem), status=400)
    messages.success(request, done)
    return redirect("back_office:seller", seller_id=seller.pk)


def _form_error(form: Any) -> dict[str, Any]:
    """The failed action and its messages, for the template to show next to that action's form."""
    action = form.data.get("action", "")
    return {"action": action, "messages": [m for errors in form.errors.values() for m in errors]}


def _domain_error(form: Any, problem: DomainError) -> dict[str, Any]:
    if isinstance(problem, InvalidInput):
        found = [m for errors in problem.errors.values() for m in errors]
    else:
        found = [problem.message]
    return {"action": form.cleaned_data.get("action", ""), "messages": found}


@operator_view()
def seller_document(request: OperatorRequest, seller_id: int, document_id: int) -> FileResponse:
    document = seller_document_get_for_operator(seller_id=seller_id, document_id=document_id)
    try:
        handle = document.file.open("rb")
    except OSError:
        raise SellerDocumentNotFound(_("The file of this document is missing from the storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
