from django.contrib import admin

from galerie.core.models import OutboxEvent, StatusChange


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "created_at", "delivered_at", "attempts"]
    list_filter = ["topic"]
    search_fields = ["topic", "uuid"]
    show_full_result_count = False
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "model", "object_pk", "from_status", "to_status", "actor", "at"]
    list_filter = ["model", "to_status"]
    list_select_related = ["actor"]
    search_fields = ["object_pk", "reason"]
    show_full_result_count = False
    readonly_fields = [f.name for f in StatusChange._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
