from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from galerie.core.pagination import EstimatedCountPaginator
from galerie.orders.models import Order, OrderLine, SellerOrder, SellerQualityWarning, Shipment


class SellerOrderInline(admin.TabularInline):
    model = SellerOrder
    fields = ("number", "seller", "status", "items_minor", "shipping_minor", "total_minor", "refunded_minor")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product_title", "variant_name", "quantity", "unit_price_minor", "total_minor", "vat_rate_bp")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ShipmentInline(admin.TabularInline):
    """The parcels, read only: they are written by the seller's and the delivery doors' services."""

    model = Shipment
    fields = ("number", "carrier", "tracking_number", "shipped_at", "delivered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: SellerOrder | None = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "storefront", "email", "status", "total_minor", "currency", "placed_at"]
    list_filter = ["storefront", "status"]
    list_select_related = ["storefront"]
    search_fields = ["number", "email"]
    raw_id_fields = ["customer", "payment"]
    inlines = [SellerOrderInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are made by the checkout only

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False  # an order is never deleted: it is history


@admin.register(SellerOrder)
class SellerOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "seller", "status", "total_minor", "refunded_minor", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["seller", "order"]
    search_fields = ["number"]
    raw_id_fields = ["order", "seller"]
    readonly_fields = ["status"]
    inlines = [OrderLineInline, ShipmentInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SellerOrder | None = None) -> bool:
        return False


@admin.register(SellerQualityWarning)
class SellerQualityWarningAdmin(admin.ModelAdmin):
    """The warnings the quality job sent: a record, read only."""

    list_display = ["seller", "storefront", "figure", "value_bp", "threshold_bp", "window_start"]
    list_filter = ["storefront", "figure"]
    list_select_related = ["seller", "storefront"]
    search_fields = ["seller__display_name"]
    readonly_fields = [f.name for f in SellerQualityWarning._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SellerQualityWarning | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SellerQualityWarning | None = None) -> bool:
        return False
