from django.contrib import admin

from galerie.api.models import StaffApiToken


@admin.register(StaffApiToken)
class StaffApiTokenAdmin(admin.ModelAdmin):
    """Staff keys are made with ``galerie api-key create`` (the key is shown once); here they
    are listed and revoked."""

    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__email")
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        return False
