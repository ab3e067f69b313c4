from django.contrib import admin

from galerie.privacy.models import Erasure


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ("user", "source", "by", "at")
    list_filter = ("source",)
    list_select_related = ("user", "by")
    readonly_fields = ("user", "source", "by", "at")

    def has_add_permission(self, request) -> bool:  # erasures happen through customer_erase only
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
