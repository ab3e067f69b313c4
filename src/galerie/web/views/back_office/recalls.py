"""The back office's product recalls: recall a product, and each recall's report of who was reached."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from galerie.catalog.errors import ProductNotFound
from galerie.catalog.selectors import product_get_by_key
from galerie.core.csvsafe import safe_writer
from galerie.core.errors import DomainError
from galerie.recalls.reports import REPORT_HEADER, recall_report_rows
from galerie.recalls.selectors import recall_get, recall_notices, recalls_for_operator
from galerie.recalls.services import product_recall
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_staff import RecallForm
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view

LIST_LIMIT = 200


@operator_view(methods=("GET", "HEAD", "POST"))
def recall_list(request: OperatorRequest) -> HttpResponse:
    form = RecallForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                product = product_get_by_key(key=data["product"])
                recall = product_recall(
                    product_id=product.pk,
                    notice={"en": data["notice_en"], "fr": data["notice_fr"]},
                    by=request.user,
                )
            except ProductNotFound as error:
                form.add_error("product", error.message)
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Recalled: its offers are off every storefront; its buyers are being e-mailed."),
                )
                return redirect("back_office:recall", recall_id=recall.pk)
        status = 400
    return render(
        request,
        "galerie/operator/recalls.html",
        {"form": form, "recalls": recalls_for_operator()[:LIST_LIMIT]},
        status=status,
    )


@operator_view()
def recall_detail(request: OperatorRequest, recall_id: int) -> HttpResponse:
    recall = recall_get(recall_id=recall_id)
    return render(
        request,
        "galerie/operator/recall.html",
        {"recall": recall, "notices": recall_notices(recall=recall)[:5000]},
    )


@operator_view()
def recall_csv(request: OperatorRequest, recall_id: int) -> HttpResponse:
    recall = recall_get(recall_id=recall_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recall-{recall.uuid.hex[:8]}.csv"'
    writer = safe_writer(response)  # a buyer's name starting like a formula is shown as text, never run
    writer.writerow(REPORT_HEADER)
    writer.writerows(recall_report_rows(recall=recall))
    return response
