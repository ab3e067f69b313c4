"""Reviews in the admin, read only: written by customers, answered by sellers, moderated in the
back office's queue (/back-office/reviews/), where hiding tells the author why and keeps the
summaries right (docs/reviews.md): an edit here would do neither."""

from __future__ import annotations

from django.contrib import admin

from galerie.core.admin_actions import ViewOnly
from galerie.core.pagination import EstimatedCountPaginator
from galerie.reviews.models import Review, ReviewReport


class ReviewReportInline(ViewOnly, admin.TabularInline):
    model = ReviewReport
    fields = ("reason", "details", "created_at", "resolved_at")
    readonly_fields = fields
    extra = 0


@admin.register(Review)
class ReviewAdmin(ViewOnly, admin.ModelAdmin):
    list_display = [
        "id", "title", "storefront", "product", "seller", "product_stars", "seller_stars", "status",
        "created_at", "replied_at",
    ]  # fmt: skip
    list_filter = ["status", "product_stars", "seller_stars", "storefront"]
    list_select_related = ["storefront", "product", "seller"]
    search_fields = ["title", "product__title", "seller__display_name"]
    raw_id_fields = ["order_line", "seller_order", "customer"]
    inlines = [ReviewReportInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
