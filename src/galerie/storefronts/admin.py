from django.contrib import admin

from galerie.core.admin_actions import service_action
from galerie.core.images import CLEAN_IMAGE_OVERRIDES
from galerie.storefronts.models import Storefront, StorefrontHost, StorefrontRedirect
from galerie.storefronts.services import storefront_open


class StorefrontHostInline(admin.TabularInline):
    model = StorefrontHost
    extra = 0


@admin.register(Storefront)
class StorefrontAdmin(admin.ModelAdmin):
    formfield_overrides = CLEAN_IMAGE_OVERRIDES  # checked like every picture upload
    list_display = ["name", "code", "status", "default_language", "currency", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "code"]
    readonly_fields = [
        "uuid",
        "status",
        "created_at",
        # The closure's record (docs/storefront-closure.md): readable, changed only by its services.
        "closing_on",
        "closure_announced_at",
        "closure_reason",
        "sales_stopped_at",
        "closed_at",
    ]
    filter_horizontal = ["catalog_scope"]
    inlines = [StorefrontHostInline]
    actions = [service_action(storefront_open, description="Open to customers", id_arg="storefront_id")]


@admin.register(StorefrontHost)
class StorefrontHostAdmin(admin.ModelAdmin):
    list_display = ["host", "storefront", "is_primary"]
    list_select_related = ["storefront"]
    search_fields = ["host"]


@admin.register(StorefrontRedirect)
class StorefrontRedirectAdmin(admin.ModelAdmin):
    """Old paths that answer 301 (a bundle's URL map, a merge's renamed slugs); the operator may
    add or correct one. Paths are relative to the storefront's root: ``p/old-slug/``."""

    list_display = ["old_path", "new_path", "storefront", "created_at"]
    list_filter = ["storefront"]
    list_select_related = ["storefront"]
    search_fields = ["old_path", "new_path"]
    show_full_result_count = False
    fields = ["storefront", "old_path", "new_path"]
