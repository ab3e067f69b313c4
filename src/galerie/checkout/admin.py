from django.contrib import admin
from django.http import HttpRequest

from galerie.checkout.models import CheckoutAttempt, StockReservation
from galerie.core.pagination import EstimatedCountPaginator


class StockReservationInline(admin.TabularInline):
    model = StockReservation
    raw_id_fields = ["offer"]
    readonly_fields = ["offer", "quantity", "released"]
    extra = 0
    can_delete = False


@admin.register(CheckoutAttempt)
class CheckoutAttemptAdmin(admin.ModelAdmin):
    list_display = ["uuid", "storefront", "customer", "status", "amount_minor", "currency", "expires_at"]
    list_filter = ["status", "storefront"]
    list_select_related = ["storefront", "customer"]
    raw_id_fields = ["customer", "payment", "order"]
    readonly_fields = ["status", "quote", "address", "message"]
    inlines = [StockReservationInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # attempts are made by the checkout only
