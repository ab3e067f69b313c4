"""Withdrawals and returns in the admin, read only: the customer declares them, the seller
instructs, receives and refunds, the operator overrules from the back office's returns pages
(docs/withdrawal-and-returns.md); every change goes through returns' services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from galerie.core.admin_actions import ViewOnly
from galerie.core.pagination import EstimatedCountPaginator
from galerie.returns.models import Return, ReturnLine


class ReturnLineInline(ViewOnly, admin.TabularInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "amount_minor", "seal_intact")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("order_line")


@admin.register(Return)
class ReturnAdmin(ViewOnly, admin.ModelAdmin):
    # Not the return label: a private file, served to the parties by the returns pages only.
    fields = [
        "uuid", "seller_order", "customer", "reason", "status", "declared_at", "refund_due_by",
        "defect_description", "items_minor", "shipping_minor", "held_minor", "instructions",
        "instructed_at", "received_at", "inspection_note", "depreciation_minor", "depreciation_reason",
        "refund_minor", "refund", "refunded_at", "refusal_reason", "overruled_by", "created_at",
    ]  # fmt: skip
    list_display = [
        "id", "seller_order", "reason", "status", "items_minor", "shipping_minor", "refund_minor",
        "declared_at", "refund_due_by", "refunded_at",
    ]  # fmt: skip
    list_filter = ["status", "reason"]
    list_select_related = ["seller_order"]
    search_fields = ["seller_order__number"]
    inlines = [ReturnLineInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
