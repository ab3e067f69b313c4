"""The seller area's bulk offer updates: upload a CSV/XLSX file, follow its progress, read the report.

The worker runs the imports (``galerie demo`` starts one; docs/offer-imports.md): the page polls
the import's progress with htmx every second until it is applied, checked or failed. Every
import is fetched through selectors scoped to the current seller: another seller's is a 404.
"""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galerie.core.csvsafe import safe_writer
from galerie.core.errors import DomainError
from galerie.offers.imports import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    offer_import_create,
    offer_import_elapsed,
    offer_import_errors,
    offer_import_get_for_seller,
    offer_import_reviews_waiting,
    offer_imports_for_seller,
)
from galerie.offers.models import OfferImport
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view

LATEST = 20
SHOWN_ERRORS = 200
RUNNING = {OfferImport.Status.QUEUED, OfferImport.Status.CHECKING, OfferImport.Status.APPLYING}
TEMPLATE_ROWS = [
    COLUMNS,
    ("BOOK-0001", "9782070360024", "12.90", "5", "new", "2"),
    ("", "4006381333931", "7,50", "1", "used", ""),
]


class OfferImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV, Excel .xlsx, XML feed or ZIP)"),
        help_text=gettext_lazy("Up to 100,000 rows and 20 MB. Start from the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xml,.zip,text/csv"}),
    )
    file_format = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Format"),
        help_text=gettext_lazy(
            "Another system's export is recognised from its first row; a ZIP may hold it with its images."
        ),
        choices=[
            ("", gettext_lazy("Recognise it from the file")),
            ("shopify", gettext_lazy("Shopify product CSV")),
            ("woocommerce", gettext_lazy("WooCommerce product CSV")),
            ("gmc", gettext_lazy("Google Merchant Center feed (XML)")),
            ("magento", gettext_lazy("Magento 2 catalog CSV")),
        ],
    )
    check_only = forms.BooleanField(
        required=False,
        label=gettext_lazy("Check only: report the problems and change nothing"),
    )
    all_or_nothing = forms.BooleanField(
        required=False,
        label=gettext_lazy("Apply only if every row is valid: one problem and nothing changes"),
    )


@seller_view(Perm.EDIT_OFFERS, methods=("GET", "HEAD", "POST"))
def import_list(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    form = OfferImportForm()
    if request.method == "POST":
        form = OfferImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                offer_import = offer_import_create(
                    seller=seller,
                    by=request.user,
                    upload=form.cleaned_data["file"],
                    check_only=form.cleaned_data["check_only"],
                    all_or_nothing=form.cleaned_data["all_or_nothing"],
                    file_format=form.cleaned_data["file_format"] or None,
                )
            except DomainError as error:
                add_domain_errors(form, error, fallback="file")
            else:
                messages.success(request, _("File received: its rows are being checked."))
                return redirect("seller_area:import", import_id=offer_import.pk)
    imports = offer_imports_for_seller(seller=seller)[:LATEST]
    return render(
        request,
        "galerie/seller/imports.html",
        {
            "form": form,
            "imports": imports,
            "columns": COLUMNS,
            "max_rows": MAX_ROWS,
            "max_mb": MAX_BYTES // 2**20,
        },
        status=400 if form.errors else 200,
    )


@seller_view(Perm.EDIT_OFFERS)
def import_template(request: SellerRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="offers-template.csv"'
    safe_writer(response).writerows(TEMPLATE_ROWS)
    return response


@seller_view(Perm.EDIT_OFFERS)
def import_detail(request: SellerRequest, import_id: int) -> HttpResponse:
    offer_import = offer_import_get_for_seller(seller=request.seller_access.seller, import_id=import_id)
    running = offer_import.status in RUNNING
    errors = [] if running else list(offer_import_errors(offer_import=offer_import)[: SHOWN_ERRORS + 1])
    done = offer_import.processed_rows if offer_import.status != OfferImport.Status.APPLIED else None
    total = offer_import.total_rows
    percent = 100 if done is None or not total else min(100, round(100 * done / total))
    seconds = offer_import_elapsed(offer_import)
    context = {
        "imp": offer_import,
        "running": running,
        "percent": percent,
        "errors": errors[:SHOWN_ERRORS],
        "more_errors": len(errors) > SHOWN_ERRORS,
        "shown_errors": SHOWN_ERRORS,
        "seconds": seconds,
        "rate": round(total / seconds) if seconds and seconds >= 1 and total and not running else None,
        "reviews_waiting": 0 if running else offer_import_reviews_waiting(offer_import=offer_import),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "galerie/seller/_import_progress.html", context)
    return render(request, "galerie/seller/import.html", context)


@seller_view(Perm.EDIT_OFFERS)
def import_errors_csv(request: SellerRequest, import_id: int) -> StreamingHttpResponse:
    offer_import = offer_import_get_for_seller(seller=request.seller_access.seller, import_id=import_id)
    problems = offer_import_errors(offer_import=offer_import).values_list("row", "column", "value", "reason")

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = safe_writer(Echo())  # a cell starting like a formula is shown as text, never run

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel reads the file as UTF-8
        yield writer.writerow([_("row"), _("column"), _("value"), _("reason")])
        for row, column, value, reason in problems.iterator(chunk_size=2000):
            yield writer.writerow([row, column, value, _(reason)])  # a msgid reason in the reader's language

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{offer_import.pk}-errors.csv"'
    return response
