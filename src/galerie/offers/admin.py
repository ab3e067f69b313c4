from django.contrib import admin

from galerie.core.pagination import EstimatedCountPaginator
from galerie.offers.models import Offer, PriceHistory


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["id", "variant", "seller", "condition", "price_minor", "currency", "stock", "status"]
    list_filter = ["status", "condition"]
    list_select_related = ["variant__product", "seller"]
    raw_id_fields = ["seller", "variant"]
    search_fields = ["seller_sku", "variant__gtin"]
    readonly_fields = ["uuid", "price_minor", "currency", "created_at", "updated_at"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(PriceHistory)
class PriceHistoryAdmin(admin.ModelAdmin):
    list_display = ["offer", "price_minor", "currency", "valid_from"]
    raw_id_fields = ["offer"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history is appended by offer_price_set, never edited
