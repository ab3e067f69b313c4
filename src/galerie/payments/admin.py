"""Back office for payments: read-only records; capture, void and refresh run through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from galerie.core.admin_actions import ViewOnly, service_action
from galerie.core.pagination import EstimatedCountPaginator
from galerie.payments.models import Payment, PaymentEvent, Refund
from galerie.payments.services import payment_capture, payment_refresh, payment_void


def _payment_action(
    service: Callable[..., Any], description: str
) -> Callable[[admin.ModelAdmin[Any], HttpRequest, QuerySet[Any]], None]:
    return service_action(service, description=description, id_arg="payment_id", with_actor=False)


class RefundInline(ViewOnly, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ("uuid", "amount_minor", "currency", "status", "reason", "provider_reference", "created_at")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ViewOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "uuid",
        "status",
        "amount_minor",
        "captured_minor",
        "refunded_minor",
        "currency",
        "card_last4",
        "gateway",
        "created_at",
    ]
    list_filter = ["status", "gateway"]
    search_fields = ["=uuid", "=provider_reference", "=idempotency_key"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline]
    actions = [
        _payment_action(payment_refresh, "Refresh from the gateway"),
        _payment_action(payment_capture, "Capture"),
        _payment_action(payment_void, "Void the authorization"),
    ]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(PaymentEvent)
class PaymentEventAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["id", "gateway", "type", "event_id", "result", "payment", "received_at"]
    list_filter = ["gateway", "type", "result"]
    list_select_related = ["payment"]
    search_fields = ["=event_id"]
    readonly_fields = [f.name for f in PaymentEvent._meta.fields]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
