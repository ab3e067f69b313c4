"""The notices in the Django admin: read-only (every write goes through the back-office pages)."""

from django.contrib import admin

from galerie.notices.models import Complaint, Decision, Notice


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "category", "target_kind", "status", "due_at")
    list_filter = ("status", "category", "target_kind")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("decided_at", "action", "seller", "decided_by")
    list_filter = ("action",)
    list_select_related = ("seller", "decided_by")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "role", "status", "decided_by")
    list_filter = ("status", "role")
    list_select_related = ("decided_by",)
