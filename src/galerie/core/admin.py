from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from galerie.core.admin_actions import service_action
from galerie.core.delivery import MAX_ATTEMPTS, outbox_event_retry
from galerie.core.models import OutboxEvent, StatusChange


class DeliveryFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [
            ("pending", "Pending"),
            ("retrying", "Failed, will retry"),
            ("dead", f"Dead letters (failed {MAX_ATTEMPTS} times)"),
            ("delivered", "Delivered"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        pending = queryset.filter(delivered_at__isnull=True)
        return {
            "pending": pending,
            "retrying": pending.filter(attempts__gt=0, attempts__lt=MAX_ATTEMPTS),
            "dead": pending.filter(attempts__gte=MAX_ATTEMPTS),
            "delivered": queryset.filter(delivered_at__isnull=False),
        }.get(self.value() or "", queryset)


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "created_at", "available_at", "delivered_at", "attempts"]
    list_filter = [DeliveryFilter, "topic"]
    actions = [service_action(outbox_event_retry, description="Retry now", id_arg="event_id")]
    search_fields = ["topic", "uuid"]
    show_full_result_count = False
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEvent | None = None) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "model", "object_pk", "from_status", "to_status", "actor", "at"]
    list_filter = ["model", "to_status"]
    list_select_related = ["actor"]
    search_fields = ["object_pk", "reason"]
    show_full_result_count = False
    readonly_fields = [f.name for f in StatusChange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        return False
