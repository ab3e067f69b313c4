"""Invoices in the back office, read only, with a download of the stored PDF (staff only: the
admin site admits staff only). Issued documents are never changed: a correction is a credit note."""

from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from galerie.core.admin_actions import ViewOnly
from galerie.core.pagination import EstimatedCountPaginator
from galerie.invoices.models import CommissionInvoiceRun, Invoice, InvoiceCounter


@admin.register(Invoice)
class InvoiceAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["number", "kind", "issuer", "seller", "seller_order", "issued_at",
                    "total_incl_vat_minor", "currency", "pdf"]  # fmt: skip
    list_filter = ["kind"]
    list_select_related = ["seller", "seller_order"]
    search_fields = ["number", "seller_order__number", "seller__display_name"]
    exclude = ["file"]
    readonly_fields = ["pdf"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    @admin.display(description="PDF")
    def pdf(self, invoice: Invoice) -> SafeString:
        url = reverse("admin:invoices_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}">{}.pdf</a>', url, invoice.number)

    def get_urls(self) -> list[URLPattern]:
        download = self.admin_site.admin_view(self.download)
        return [path("<int:pk>/pdf/", download, name="invoices_invoice_pdf"), *super().get_urls()]

    def download(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise Http404
        invoice = Invoice.objects.filter(pk=pk).first()
        if invoice is None:
            raise Http404
        return FileResponse(invoice.file.open("rb"), as_attachment=True, filename=f"{invoice.number}.pdf",
                            content_type="application/pdf")  # fmt: skip


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["issuer", "series", "year", "last_number"]


@admin.register(CommissionInvoiceRun)
class CommissionInvoiceRunAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["month", "invoices", "completed_at"]
