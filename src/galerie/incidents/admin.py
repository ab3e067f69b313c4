"""Incidents in the admin, read only: opened by the customer, answered by the seller, decided by
the operator in the back office's escalations queue (docs/incidents.md), through incidents'
services."""

from __future__ import annotations

from django.contrib import admin

from galerie.core.admin_actions import ViewOnly
from galerie.core.pagination import EstimatedCountPaginator
from galerie.incidents.models import Incident, IncidentPhoto


class IncidentPhotoInline(ViewOnly, admin.TabularInline):
    """The photos' facts, not the files: private, shown to the parties by the incident pages."""

    model = IncidentPhoto
    fields = ("content_type", "width", "height", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Incident)
class IncidentAdmin(ViewOnly, admin.ModelAdmin):
    list_display = [
        "id", "seller_order", "seller", "storefront", "kind", "status", "opened_at", "answer_due_at",
        "decision", "refund_minor",
    ]  # fmt: skip
    list_filter = ["status", "kind", "decision", "storefront"]
    list_select_related = ["seller_order", "seller", "storefront"]
    search_fields = ["seller_order__number", "seller__display_name"]
    inlines = [IncidentPhotoInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
