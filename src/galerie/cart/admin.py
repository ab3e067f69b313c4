from django.contrib import admin

from galerie.cart.models import Cart, CartLine
from galerie.core.pagination import EstimatedCountPaginator


class CartLineInline(admin.TabularInline):
    model = CartLine
    raw_id_fields = ["offer"]
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["uuid", "storefront", "customer", "updated_at"]
    list_filter = ["storefront"]
    list_select_related = ["storefront", "customer"]
    raw_id_fields = ["customer"]
    inlines = [CartLineInline]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
