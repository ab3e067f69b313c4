from django.contrib import admin

from galerie.core.admin_actions import ViewOnly, service_action
from galerie.core.images import CLEAN_IMAGE_OVERRIDES
from galerie.core.pagination import EstimatedCountPaginator
from galerie.sellers.models import Seller, SellerAdmission, SellerMember, ShippingProfile
from galerie.sellers.services import seller_activate, seller_approve


class SellerAdmissionInline(ViewOnly, admin.TabularInline):
    model = SellerAdmission
    extra = 0
    fields = ["storefront", "status", "reason", "decided_at", "decided_by"]
    readonly_fields = ["decided_at", "decided_by"]


class SellerMemberInline(ViewOnly, admin.TabularInline):
    model = SellerMember
    extra = 0
    raw_id_fields = ["user"]


class ShippingProfileInline(ViewOnly, admin.StackedInline):
    model = ShippingProfile
    extra = 0
    max_num = 1


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    formfield_overrides = CLEAN_IMAGE_OVERRIDES  # checked like every picture upload
    list_display = ["display_name", "legal_name", "kind", "status", "country", "created_at"]
    list_filter = ["status", "kind", "country"]
    search_fields = ["display_name", "legal_name", "trade_register_number", "email"]
    readonly_fields = ["uuid", "status", "created_at"]
    inlines = [SellerAdmissionInline, SellerMemberInline, ShippingProfileInline]
    actions = [
        service_action(seller_approve, description="Approve the application", id_arg="seller_id"),
        service_action(seller_activate, description="Activate (let them sell)", id_arg="seller_id"),
    ]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(SellerAdmission)
class SellerAdmissionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["seller", "storefront", "status", "decided_at"]
    list_filter = ["status", "storefront"]
    list_select_related = ["seller", "storefront"]
    raw_id_fields = ["seller", "decided_by"]
    show_full_result_count = False


@admin.register(SellerMember)
class SellerMemberAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["user", "seller", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "seller"]
    raw_id_fields = ["seller", "user"]
    show_full_result_count = False
